// emitFrame(frame, meta, slots, slotSize, desc): runs one received frame
// through EmitFrame (frame.cc) outside any socket, so that tests can feed
// it what the kernel can produce but this machine's kernel will not on
// demand (GSO behind a VLAN tag, say), and malformed vnet headers.
//
// meta: Int32Array [hasVlan, tpid, tci, csumNotReady, hasVnet, flags,
// gsoType, hdrLen, gsoSize, csumStart, csumOffset]. Frames land in `slots`
// at slot i * slotSize (no headroom), described in `desc` as a port's ring
// would describe them. Returns the number of frames written, or -1 if
// EmitFrame judged the input malformed, -2 if a frame did not fit a slot,
// -3 if the slots ran out.

#include "addon.h"
#include "frame.h"

namespace ofs {
namespace {

class ProbeSink : public FrameSink {
 public:
  SlotRing ring;
  uint64_t counters[kCounterCount] = {};
  uint8_t* Reserve(uint32_t* capacity) override {
    if (ring.Full()) return nullptr;
    *capacity = ring.Capacity();
    return ring.Next();
  }
  void Commit(uint32_t len) override { ring.Commit(len, counters); }
};

Napi::Value EmitFrameProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsArrayBuffer() || !info[4].IsTypedArray()) {
    throw Napi::TypeError::New(env, "emitFrame(frame: Uint8Array, meta: Int32Array, slots: ArrayBuffer, slotSize, desc: Int32Array)");
  }
  Napi::Uint8Array frame = info[0].As<Napi::Uint8Array>();
  Napi::Int32Array meta = info[1].As<Napi::Int32Array>();
  Napi::ArrayBuffer slots = info[2].As<Napi::ArrayBuffer>();
  Napi::Int32Array desc = info[4].As<Napi::Int32Array>();
  if (meta.ElementLength() < 11) throw Napi::RangeError::New(env, "emitFrame: meta has 11 entries");
  ProbeSink sink;
  sink.ring.base = static_cast<uint8_t*>(slots.Data());
  sink.ring.bytes = slots.ByteLength();
  sink.ring.slot_size = info[3].ToNumber().Uint32Value();
  sink.ring.nslots = uint32_t(desc.ElementLength() / 2);
  sink.ring.desc = desc.Data();
  if (sink.ring.slot_size == 0 || size_t(sink.ring.nslots) * sink.ring.slot_size > sink.ring.bytes) {
    throw Napi::RangeError::New(env, "emitFrame: slots too small");
  }
  const int32_t* m = meta.Data();
  RxFrameInfo fi;
  fi.has_vlan = m[0] != 0;
  fi.vlan_tpid = uint16_t(m[1]);
  fi.vlan_tci = uint16_t(m[2]);
  fi.csum_not_ready = m[3] != 0;
  VnetHdr vh = {uint8_t(m[5]), uint8_t(m[6]), uint16_t(m[7]), uint16_t(m[8]), uint16_t(m[9]), uint16_t(m[10])};
  if (m[4]) fi.vnet = &vh;
  switch (EmitFrame(frame.Data(), uint32_t(frame.ByteLength()), fi, sink, sink.counters)) {
    case EmitResult::kOk:
      return Napi::Number::New(env, sink.ring.count);
    case EmitResult::kMalformed:
      return Napi::Number::New(env, -1);
    case EmitResult::kTooBig:
      return Napi::Number::New(env, -2);
    case EmitResult::kClosed:
      return Napi::Number::New(env, -3);
  }
  return env.Undefined();
}

}  // namespace

void InitFrameProbe(Napi::Env env, Napi::Object exports) {
  exports.Set("emitFrame", Napi::Function::New<EmitFrameProbe>(env, "emitFrame"));
}

}  // namespace ofs
