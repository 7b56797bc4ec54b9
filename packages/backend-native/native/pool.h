// A small persistent thread pool: the calling thread plus `threads - 1` workers. Kernels split
// their work into tasks; the caller takes part and returns when every task has run.
#pragma once
#include <cstdint>
#include <functional>

namespace selfsup {

/** Sets the number of threads that compute (the caller included); at least 1. */
void pool_set_threads(int threads);

/** The number of threads that compute (the caller included). */
int pool_threads();

/** Runs fn(task) for every task in [0, tasks), spread over the threads; returns when all have run. */
void parallel_tasks(int64_t tasks, const std::function<void(int64_t)>& fn);

/**
 * Calls fn(begin, end) on disjoint ranges that cover [0, count). Ranges hold at least `grain`
 * items (except the last), so small loops run on the caller alone.
 */
void parallel_for(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace selfsup
