// Node-API bindings of Open MPI for @selfsup/distributed. Every collective runs as napi async work
// on libuv's thread pool, so the JavaScript thread (and its event loop) stays free while MPI waits
// for the other ranks; the JavaScript side (src/mpi-communicator.ts) issues one collective at a
// time, which is what MPI_THREAD_SERIALIZED asks of the caller. Buffers are the caller's typed
// arrays, reduced and received in place (zero copy); a reference keeps each one alive until its
// collective completes.
#include <mpi.h>
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace {

bool g_initialized = false;
bool g_finalized = false;
int g_rank = 0;
int g_size = 1;

std::string MpiErrorString(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<size_t>(length));
}

napi_value Throw(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return nullptr;
}

bool CheckReady(napi_env env) {
  if (!g_initialized) {
    Throw(env, "MPI is not initialized: call init() first");
    return false;
  }
  if (g_finalized) {
    Throw(env, "MPI was finalized: no collective can run after dispose()");
    return false;
  }
  return true;
}

/** A typed array's bytes, or false (with a JavaScript exception pending). */
bool BufferOf(napi_env env, napi_value value, bool float32Only, void** data, size_t* bytes, size_t* elements) {
  bool isTyped = false;
  napi_is_typedarray(env, value, &isTyped);
  if (!isTyped) {
    Throw(env, "expected a typed array");
    return false;
  }
  napi_typedarray_type type;
  size_t length = 0;
  napi_value arrayBuffer;
  size_t offset = 0;
  napi_get_typedarray_info(env, value, &type, &length, data, &arrayBuffer, &offset);
  if (float32Only && type != napi_float32_array) {
    Throw(env, "expected a Float32Array");
    return false;
  }
  size_t width = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: width = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: width = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: width = 8; break;
    default: width = 1;
  }
  *bytes = length * width;
  if (elements) *elements = length;
  return true;
}

enum class Kind { kAllReduceSum, kAllReduceMean, kBroadcast, kAllGather, kBarrier };

struct Work {
  Kind kind;
  void* data = nullptr;  // allReduce, broadcast: in place; allGather: the send buffer
  size_t bytes = 0;
  size_t elements = 0;
  void* receive = nullptr;  // allGather: worldSize * bytes
  int root = 0;
  int status = MPI_SUCCESS;
  napi_ref refs[2] = {nullptr, nullptr};
  napi_deferred deferred = nullptr;
  napi_async_work work = nullptr;
  const char* name = "";
};

void Execute(napi_env, void* raw) {
  Work* w = static_cast<Work*>(raw);
  switch (w->kind) {
    case Kind::kAllReduceSum:
    case Kind::kAllReduceMean: {
      // MPI counts are int: reduce in pieces of at most 2^30 floats
      float* data = static_cast<float*>(w->data);
      size_t left = w->elements;
      while (left > 0 && w->status == MPI_SUCCESS) {
        int count = static_cast<int>(left > (1u << 30) ? (1u << 30) : left);
        w->status = MPI_Allreduce(MPI_IN_PLACE, data, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        data += count;
        left -= static_cast<size_t>(count);
      }
      if (w->status == MPI_SUCCESS && w->kind == Kind::kAllReduceMean && g_size > 1) {
        float* values = static_cast<float*>(w->data);
        const float scale = 1.0f / static_cast<float>(g_size);
        for (size_t i = 0; i < w->elements; i++) values[i] *= scale;
      }
      break;
    }
    case Kind::kBroadcast:
      w->status = MPI_Bcast(w->data, static_cast<int>(w->bytes), MPI_BYTE, w->root, MPI_COMM_WORLD);
      break;
    case Kind::kAllGather:
      w->status = MPI_Allgather(w->data, static_cast<int>(w->bytes), MPI_BYTE, w->receive, static_cast<int>(w->bytes), MPI_BYTE,
                                MPI_COMM_WORLD);
      break;
    case Kind::kBarrier:
      w->status = MPI_Barrier(MPI_COMM_WORLD);
      break;
  }
}

void Complete(napi_env env, napi_status, void* raw) {
  Work* w = static_cast<Work*>(raw);
  for (napi_ref ref : w->refs) {
    if (ref) napi_delete_reference(env, ref);
  }
  if (w->status == MPI_SUCCESS) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, w->deferred, undefined);
  } else {
    std::string message = std::string(w->name) + " failed on rank " + std::to_string(g_rank) + ": " + MpiErrorString(w->status);
    napi_value text, error;
    napi_create_string_utf8(env, message.c_str(), message.size(), &text);
    napi_create_error(env, nullptr, text, &error);
    napi_reject_deferred(env, w->deferred, error);
  }
  napi_delete_async_work(env, w->work);
  delete w;
}

/** Queues `w` on the thread pool and returns its promise; `keep` are the buffers it uses. */
napi_value Start(napi_env env, Work* w, napi_value* keep, int keepCount) {
  for (int i = 0; i < keepCount; i++) napi_create_reference(env, keep[i], 1, &w->refs[i]);
  napi_value promise, name;
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_string_utf8(env, w->name, NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, nullptr, name, Execute, Complete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

napi_value GetArgs(napi_env env, napi_callback_info info, size_t expected, napi_value* argv) {
  size_t argc = expected;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < expected) return Throw(env, "expected " + std::to_string(expected) + " arguments");
  napi_value ok;
  napi_get_boolean(env, true, &ok);
  return ok;
}

napi_value MakeInfo(napi_env env) {
  napi_value result, rank, size, version;
  napi_create_object(env, &result);
  napi_create_int32(env, g_rank, &rank);
  napi_create_int32(env, g_size, &size);
  char library[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(library, &length);
  napi_create_string_utf8(env, library, static_cast<size_t>(length), &version);
  napi_set_named_property(env, result, "rank", rank);
  napi_set_named_property(env, result, "size", size);
  napi_set_named_property(env, result, "library", version);
  return result;
}

// init(): { rank, size, library }. Idempotent.
napi_value Init(napi_env env, napi_callback_info) {
  if (g_finalized) return Throw(env, "MPI was finalized in this process; it cannot be initialized again");
  if (!g_initialized) {
    int provided = 0;
    int code = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    if (code != MPI_SUCCESS) return Throw(env, "MPI_Init_thread failed: " + MpiErrorString(code));
    if (provided < MPI_THREAD_SERIALIZED) {
      return Throw(env, "this MPI library does not support MPI_THREAD_SERIALIZED (collectives run off the JavaScript thread)");
    }
    // errors come back as codes (a rejected promise naming the rank), not as an abort
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    g_initialized = true;
  }
  return MakeInfo(env);
}

// allReduce(buffer: Float32Array, mean: boolean): Promise<void>, in place.
napi_value AllReduce(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!GetArgs(env, info, 2, argv) || !CheckReady(env)) return nullptr;
  Work* w = new Work();
  if (!BufferOf(env, argv[0], true, &w->data, &w->bytes, &w->elements)) {
    delete w;
    return nullptr;
  }
  bool mean = false;
  napi_get_value_bool(env, argv[1], &mean);
  w->kind = mean ? Kind::kAllReduceMean : Kind::kAllReduceSum;
  w->name = "allReduce";
  return Start(env, w, argv, 1);
}

// broadcast(buffer: TypedArray, root: number): Promise<void>, in place.
napi_value Broadcast(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!GetArgs(env, info, 2, argv) || !CheckReady(env)) return nullptr;
  Work* w = new Work();
  if (!BufferOf(env, argv[0], false, &w->data, &w->bytes, nullptr)) {
    delete w;
    return nullptr;
  }
  napi_get_value_int32(env, argv[1], &w->root);
  if (w->bytes > 0x7fffffff) {
    delete w;
    return Throw(env, "broadcast: buffers over 2 GiB are not supported");
  }
  w->kind = Kind::kBroadcast;
  w->name = "broadcast";
  return Start(env, w, argv, 1);
}

// allGather(send: TypedArray, receive: TypedArray of worldSize x send's bytes): Promise<void>.
napi_value AllGather(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!GetArgs(env, info, 2, argv) || !CheckReady(env)) return nullptr;
  Work* w = new Work();
  size_t receiveBytes = 0;
  if (!BufferOf(env, argv[0], false, &w->data, &w->bytes, nullptr) || !BufferOf(env, argv[1], false, &w->receive, &receiveBytes, nullptr)) {
    delete w;
    return nullptr;
  }
  if (receiveBytes != w->bytes * static_cast<size_t>(g_size) || w->bytes > 0x7fffffff) {
    delete w;
    return Throw(env, "allGather: the receive buffer must hold worldSize times the send buffer's bytes");
  }
  w->kind = Kind::kAllGather;
  w->name = "allGather";
  return Start(env, w, argv, 2);
}

// barrier(): Promise<void>.
napi_value Barrier(napi_env env, napi_callback_info) {
  if (!CheckReady(env)) return nullptr;
  Work* w = new Work();
  w->kind = Kind::kBarrier;
  w->name = "barrier";
  return Start(env, w, nullptr, 0);
}

// abort(code): ends every rank of the job (MPI_Abort).
napi_value Abort(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!GetArgs(env, info, 1, argv)) return nullptr;
  int code = 1;
  napi_get_value_int32(env, argv[0], &code);
  if (g_initialized && !g_finalized) MPI_Abort(MPI_COMM_WORLD, code);
  return nullptr;
}

// finalize(): ends MPI in this process (after the last collective completed). Idempotent.
napi_value Finalize(napi_env env, napi_callback_info) {
  if (g_initialized && !g_finalized) {
    g_finalized = true;
    MPI_Finalize();
  }
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info) {
  if (!g_initialized) return Throw(env, "MPI is not initialized: call init() first");
  return MakeInfo(env);
}

}  // namespace

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor properties[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allReduce", nullptr, AllReduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"broadcast", nullptr, Broadcast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"allGather", nullptr, AllGather, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"barrier", nullptr, Barrier, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"abort", nullptr, Abort, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"finalize", nullptr, Finalize, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}
