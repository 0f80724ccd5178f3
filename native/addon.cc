// The ofswitch native addon: raw packet I/O that Node.js has no API for.
//
//   Port          one AF_PACKET socket (system ports) or TAP device (tap and
//                 internal ports), driven by a libuv poll handle, delivering
//                 received frames to JS in batches through a JS-owned slot
//                 ring and sending batches described by (offset, length)
//                 pairs (port.cc, packet_socket.cc, tap.cc, frame.cc)
//   LinkMonitor   rtnetlink RTMGRP_LINK events (link.cc)
//   interfaceInfo / setInterfaceUp   ioctl and ethtool queries (link.cc)
//   blast         a sendmmsg traffic generator for bench/netdev (blaster.cc)
//   emitFrame     the receive fix-ups on one frame, for tests (frame_probe.cc)
//
// The memory contract and the counters are described in common.h and
// lib/netdev/ring.ts.

#include "addon.h"

#include <cstring>

namespace ofs {

Napi::Error MakeSysError(Napi::Env env, const std::string& message, int err) {
  Napi::Error e = Napi::Error::New(env, message);
  const char* name = strerrorname_np(err);
  if (name) e.Set("code", Napi::String::New(env, name));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

void CallFromLoop(Napi::Env env, Napi::FunctionReference& fn, Napi::AsyncContext& ctx,
                  const std::initializer_list<napi_value>& args) {
  try {
    fn.MakeCallback(env.Global(), args, ctx);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

}  // namespace ofs

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ofs::InitPort(env, exports);
  ofs::InitLink(env, exports);
  ofs::InitBlaster(env, exports);
  ofs::InitFrameProbe(env, exports);
  return exports;
}

NODE_API_MODULE(ofswitch_native, Init)
