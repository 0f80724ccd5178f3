// Port: the JS object behind a system, tap or internal port.
//
// Lifecycle. `new Port(options)` opens the device (throws with err.code on
// failure); start() polls its descriptor with libuv (readable events only:
// sends never wait, see Backend::Send), stop() stops polling, close()
// releases everything. While polling, the JS object is held strongly, so a
// port nobody references keeps receiving until it is closed, like a socket.
//
// Receive. On each readable event the backend drains the descriptor into
// the slot ring (this object is its FrameSink). When the ring is full, and
// once more at the end, onBatch(count) is called synchronously; the slots
// belong to JS only until it returns. The JS callback may call send() on
// any port, or close() on this one: then the backend's memory (a TPACKET_V3
// ring may be mid-walk) is released only after the backend returns.
//
// Send. send(bytes, desc, count) sends `count` frames of `bytes` described
// by (offset, length) pairs in `desc`, typically slots of a received batch
// forwarded as they are, or frames the datapath built in its own buffer.
// The kernel has copied them when it returns.
//
// Transmit lanes. addTxLane(priority) adds a send-only socket with that skb
// priority (a port's queue, shaped by the interface's qdisc), and
// send(bytes, desc, count, lane) sends on it.

#include <uv.h>

#include <memory>

#include "addon.h"
#include "backend.h"

namespace ofs {
namespace {

class Port : public Napi::ObjectWrap<Port>, public FrameSink {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Port",
                       {
                           InstanceMethod<&Port::Start>("start"),
                           InstanceMethod<&Port::Stop>("stop"),
                           InstanceMethod<&Port::Send>("send"),
                           InstanceMethod<&Port::AddTxLane>("addTxLane"),
                           InstanceMethod<&Port::ReadKernelStats>("readKernelStats"),
                           InstanceMethod<&Port::Close>("close"),
                           InstanceAccessor<&Port::GetName>("name"),
                           InstanceAccessor<&Port::GetFd>("fd"),
                       });
  }

  explicit Port(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Port>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "Port: options object expected");
    Napi::Object o = info[0].As<Napi::Object>();

    Napi::Value slots = o.Get("slots");
    Napi::Value desc = o.Get("desc");
    Napi::Value counters = o.Get("counters");
    Napi::Value onBatch = o.Get("onBatch");
    if (!slots.IsArrayBuffer()) throw Napi::TypeError::New(env, "Port: options.slots must be an ArrayBuffer");
    if (!desc.IsTypedArray() || desc.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      throw Napi::TypeError::New(env, "Port: options.desc must be an Int32Array");
    }
    if (!counters.IsTypedArray() || counters.As<Napi::TypedArray>().TypedArrayType() != napi_biguint64_array) {
      throw Napi::TypeError::New(env, "Port: options.counters must be a BigUint64Array");
    }
    if (!onBatch.IsFunction()) throw Napi::TypeError::New(env, "Port: options.onBatch must be a function");

    Napi::ArrayBuffer ab = slots.As<Napi::ArrayBuffer>();
    Napi::Int32Array d = desc.As<Napi::Int32Array>();
    Napi::BigUint64Array c = counters.As<Napi::BigUint64Array>();
    ring_.base = static_cast<uint8_t*>(ab.Data());
    ring_.bytes = ab.ByteLength();
    ring_.slot_size = Uint(o, "slotSize", 2048);
    ring_.headroom = Uint(o, "headroom", 0);
    ring_.nslots = uint32_t(d.ElementLength() / 2);
    ring_.desc = d.Data();
    if (ring_.nslots == 0 || ring_.headroom + 64 > ring_.slot_size ||
        size_t(ring_.nslots) * ring_.slot_size > ring_.bytes) {
      throw Napi::RangeError::New(env, "Port: slots, slotSize, headroom and desc do not agree");
    }
    if (c.ElementLength() < kCounterCount) throw Napi::RangeError::New(env, "Port: options.counters is too short");
    counters_ = reinterpret_cast<uint64_t*>(c.Data());

    std::string kind = o.Get("kind").ToString();
    std::string name = o.Get("name").ToString();
    try {
      if (kind == "system") {
        PacketSocketOptions po;
        po.ifname = name;
        Napi::Value mode = o.Get("mode");
        po.tpacket_v3 = mode.IsString() && mode.As<Napi::String>().Utf8Value() == "tpacket_v3";
        po.rcvbuf = int(Uint(o, "rcvbuf", uint32_t(po.rcvbuf)));
        po.block_size = Uint(o, "blockSize", po.block_size);
        po.block_count = Uint(o, "blockCount", po.block_count);
        po.block_timeout_ms = Uint(o, "blockTimeoutMs", po.block_timeout_ms);
        backend_ = OpenPacketSocket(po);
      } else if (kind == "tap") {
        backend_ = OpenTap(name);
      } else {
        throw Napi::TypeError::New(env, "Port: options.kind must be 'system' or 'tap'");
      }
    } catch (const SysError& e) {
      throw MakeSysError(env, e.what(), e.err());
    }

    slots_ = Napi::Persistent(ab);
    desc_ = Napi::Persistent(d.As<Napi::Object>());
    counters_ref_ = Napi::Persistent(c.As<Napi::Object>());
    on_batch_ = Napi::Persistent(onBatch.As<Napi::Function>());
    async_ = std::make_unique<Napi::AsyncContext>(env, "ofswitch.Port");
  }

  ~Port() override { Release(); }

  // FrameSink: the backend asks for the next slot.
  uint8_t* Reserve(uint32_t* capacity) override {
    if (closed_) return nullptr;
    if (ring_.Full()) {
      Deliver();
      if (closed_) return nullptr;
    }
    *capacity = ring_.Capacity();
    return ring_.Next();
  }

  void Commit(uint32_t len) override { ring_.Commit(len, counters_); }

 private:
  static uint32_t Uint(Napi::Object o, const char* key, uint32_t fallback) {
    Napi::Value v = o.Get(key);
    return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : fallback;
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed_) throw Napi::Error::New(env, "Port: closed");
    if (!poll_) {
      poll_ = new uv_poll_t;
      uv_loop_t* loop = nullptr;
      napi_get_uv_event_loop(env, &loop);
      int r = uv_poll_init(loop, poll_, backend_->fd());
      if (r < 0) {
        delete poll_;
        poll_ = nullptr;
        throw Napi::Error::New(env, std::string("uv_poll_init: ") + uv_strerror(r));
      }
      poll_->data = this;
    }
    int r = uv_poll_start(poll_, UV_READABLE, OnPoll);
    if (r < 0) throw Napi::Error::New(env, std::string("uv_poll_start: ") + uv_strerror(r));
    if (!held_) {
      Ref();
      held_ = true;
    }
    return env.Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (poll_) uv_poll_stop(poll_);
    Unhold();
    return info.Env().Undefined();
  }

  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() || !info[1].IsTypedArray()) {
      throw Napi::TypeError::New(env, "send(bytes: Uint8Array, desc: Int32Array, count)");
    }
    Napi::TypedArray bytes = info[0].As<Napi::TypedArray>();
    Napi::TypedArray desc = info[1].As<Napi::TypedArray>();
    if (bytes.TypedArrayType() != napi_uint8_array || desc.TypedArrayType() != napi_int32_array) {
      throw Napi::TypeError::New(env, "send(bytes: Uint8Array, desc: Int32Array, count)");
    }
    const uint32_t max = uint32_t(desc.ElementLength() / 2);
    uint32_t count = info[2].IsNumber() ? info[2].As<Napi::Number>().Uint32Value() : max;
    if (count > max) count = max;
    if (closed_) {
      counters_[kTxDropped] += count;
      return Napi::Number::New(env, 0);
    }
    Napi::Uint8Array b = bytes.As<Napi::Uint8Array>();
    Napi::Int32Array d = desc.As<Napi::Int32Array>();
    // A fourth argument names a transmit lane (a queue's socket, AddTxLane).
    const uint32_t lane = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Uint32Value() : 0;
    const uint32_t sent = lane == 0 ? backend_->Send(b.Data(), b.ByteLength(), d.Data(), count, counters_)
                                    : backend_->SendLane(lane, b.Data(), b.ByteLength(), d.Data(), count, counters_);
    return Napi::Number::New(env, sent);
  }

  // addTxLane(priority): opens a send-only socket whose frames carry skb
  // priority `priority`; returns its lane number for send()'s fourth argument.
  Napi::Value AddTxLane(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed_ || !backend_) throw Napi::Error::New(env, "Port: closed");
    if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "addTxLane(priority: number)");
    try {
      return Napi::Number::New(env, backend_->AddTxLane(info[0].As<Napi::Number>().Uint32Value()));
    } catch (const SysError& e) {
      throw MakeSysError(env, e.what(), e.err());
    }
  }

  Napi::Value ReadKernelStats(const Napi::CallbackInfo& info) {
    if (backend_) backend_->ReadKernelStats(counters_);
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (!closed_) {
      closed_ = true;
      if (receiving_) {
        // Called from onBatch: the backend is still walking its buffers.
        // Stop polling now, release (and let go of this object) when it
        // returns to OnPoll.
        if (poll_) uv_poll_stop(poll_);
      } else {
        Release();
        Unhold();
      }
    }
    return info.Env().Undefined();
  }

  Napi::Value GetName(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), backend_ ? backend_->name() : std::string());
  }

  Napi::Value GetFd(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), backend_ ? backend_->fd() : -1);
  }

  static void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
    Port* self = static_cast<Port*>(handle->data);
    if (!self || self->closed_) return;
    if (status < 0) {
      // POLLERR: an AF_PACKET socket gets sk_err = ENETDOWN when its
      // interface goes down, and libuv stops polling on POLLERR. Clear the
      // error and poll again, or the port would stay deaf after the link
      // comes back. The link monitor reports the link change itself.
      const int err = self->backend_->TakeError();
      if (err != 0 && err != ENETDOWN && err != ENXIO) self->counters_[kRxErrors]++;
      uv_poll_start(handle, UV_READABLE, OnPoll);
    }
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    self->counters_[kWakeups]++;
    self->receiving_ = true;
    self->backend_->Receive(*self, self->counters_);
    if (!self->closed_ && self->ring_.count > 0) self->Deliver();
    self->receiving_ = false;
    if (self->closed_) {
      self->Release();
      self->Unhold();
    }
  }

  void Deliver() {
    const uint32_t n = ring_.count;
    ring_.count = 0;
    counters_[kRxBatches]++;
    Napi::Env env = Env();
    CallFromLoop(env, on_batch_, *async_, {Napi::Number::New(env, n)});
  }

  // Polling stops before the descriptor closes (libuv's rule); the handle
  // is freed by its close callback, which may run after this object is gone.
  void Release() {
    if (poll_) {
      uv_poll_stop(poll_);
      poll_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    backend_.reset();
  }

  void Unhold() {
    if (held_) {
      held_ = false;
      Unref();
    }
  }

  std::unique_ptr<Backend> backend_;
  uv_poll_t* poll_ = nullptr;
  SlotRing ring_;
  uint64_t* counters_ = nullptr;
  Napi::Reference<Napi::ArrayBuffer> slots_;
  Napi::ObjectReference desc_;
  Napi::ObjectReference counters_ref_;
  Napi::FunctionReference on_batch_;
  std::unique_ptr<Napi::AsyncContext> async_;
  bool closed_ = false;
  bool receiving_ = false;
  bool held_ = false;
};

}  // namespace

void InitPort(Napi::Env env, Napi::Object exports) { exports.Set("Port", Port::Define(env)); }

}  // namespace ofs
