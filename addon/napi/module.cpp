#include <napi.h>
Napi::Object Init(Napi::Env env, Napi::Object exports) { exports.Set("ok", Napi::Boolean::New(env, true)); return exports; }
NODE_API_MODULE(hamd, Init)
