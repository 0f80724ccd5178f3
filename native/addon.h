// What each part of the addon adds to the module's exports.

#ifndef OFSWITCH_NATIVE_ADDON_H
#define OFSWITCH_NATIVE_ADDON_H

#include <napi.h>

#include <string>

namespace ofs {

void InitPort(Napi::Env env, Napi::Object exports);
void InitLink(Napi::Env env, Napi::Object exports);
void InitBlaster(Napi::Env env, Napi::Object exports);
void InitFrameProbe(Napi::Env env, Napi::Object exports);

// A JS Error for a failed system call, with `code` set to the errno name
// ("ENODEV") so callers can branch on it.
Napi::Error MakeSysError(Napi::Env env, const std::string& message, int err);

// Calls a JS callback from a libuv callback (no JS on the stack): inside
// the async context, with a thrown exception reported as uncaught rather
// than lost.
void CallFromLoop(Napi::Env env, Napi::FunctionReference& fn, Napi::AsyncContext& ctx,
                  const std::initializer_list<napi_value>& args);

}  // namespace ofs

#endif
