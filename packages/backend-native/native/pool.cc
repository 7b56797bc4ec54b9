#include "pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#else
static inline void cpu_relax() { std::this_thread::yield(); }
#endif

namespace selfsup {
namespace {

struct Job {
  const std::function<void(int64_t)>* fn = nullptr;
  int64_t tasks = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
};

// Claims and runs tasks of `job` until none is left.
void drain(Job& job) {
  for (;;) {
    const int64_t task = job.next.fetch_add(1, std::memory_order_relaxed);
    if (task >= job.tasks) return;
    (*job.fn)(task);
    job.done.fetch_add(1, std::memory_order_release);
  }
}

thread_local bool in_parallel_region = false;

class Pool {
 public:
  ~Pool() { stop_workers(); }

  void set_threads(int threads) {
    threads = std::max(1, threads);
    std::lock_guard<std::mutex> no_job(run_mutex_);
    if (threads == threads_) return;
    stop_workers();
    threads_ = threads;
    stopping_ = false;
    for (int i = 1; i < threads_; i++) workers_.emplace_back([this] { worker_loop(); });
  }

  int threads() const { return threads_; }

  void run(int64_t tasks, const std::function<void(int64_t)>& fn) {
    if (tasks <= 0) return;
    if (tasks == 1 || workers_.empty() || in_parallel_region) {
      for (int64_t t = 0; t < tasks; t++) fn(t);
      return;
    }
    // One job at a time: JavaScript threads (worker_threads) that share the addon take turns.
    std::lock_guard<std::mutex> one_job(run_mutex_);
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->tasks = tasks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      current_ = job;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    in_parallel_region = true;
    drain(*job);
    in_parallel_region = false;
    // Wait for the tasks other threads took (not for idle workers to check in).
    int spins = 0;
    while (job->done.load(std::memory_order_acquire) < tasks) {
      if (++spins < 4096) cpu_relax();
      else std::this_thread::yield();
    }
  }

 private:
  void worker_loop() {
    in_parallel_region = true;
    uint64_t seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      // Spin briefly (kernels come back to back), then sleep.
      int spins = 0;
      while (generation_.load(std::memory_order_acquire) == seen && spins < 2000) {
        cpu_relax();
        spins++;
      }
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_.load(std::memory_order_acquire) != seen; });
        if (stopping_) return;
        seen = generation_.load(std::memory_order_acquire);
        job = current_;
      }
      if (job) drain(*job);
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    current_.reset();
  }

  int threads_ = 1;
  std::mutex run_mutex_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::shared_ptr<Job> current_;
  bool stopping_ = false;
};

Pool& pool() {
  // Never destroyed: worker threads must not be joined from static destructors at process exit.
  static Pool* instance = new Pool();
  return *instance;
}

}  // namespace

void pool_set_threads(int threads) { pool().set_threads(threads); }

int pool_threads() { return pool().threads(); }

void parallel_tasks(int64_t tasks, const std::function<void(int64_t)>& fn) { pool().run(tasks, fn); }

void parallel_for(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (count <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int threads = pool_threads();
  int64_t chunks = std::min<int64_t>((count + grain - 1) / grain, int64_t(threads) * 4);
  if (threads == 1 || chunks <= 1) {
    fn(0, count);
    return;
  }
  const int64_t step = (count + chunks - 1) / chunks;
  chunks = (count + step - 1) / step;
  const std::function<void(int64_t)> task = [&](int64_t c) {
    const int64_t begin = c * step;
    fn(begin, std::min(count, begin + step));
  };
  pool().run(chunks, task);
}

}  // namespace selfsup
