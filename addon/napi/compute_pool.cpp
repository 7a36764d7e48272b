#include "napi/compute_pool.hpp"

#include "napi/convert.hpp"

namespace hamd_napi {

hamd::ThreadPool& ComputePool::get(Napi::Env env) {
    if (!pool_) throw coded_error(env, "UNAVAILABLE", "the engine is closed");
    return *pool_;
}

}  // namespace hamd_napi
