// blast(ifname, frames, frameLen, count, batch): a traffic generator for
// bench/netdev. Sends `count` frames out of `ifname` as fast as one core
// can, cycling through the frames packed back to back in `frames`, with
// blocking sendmmsg calls of `batch` frames on an AF_PACKET socket that
// bypasses the qdisc. It runs synchronously (the bench runs it in a child
// process) and returns what it did and what it cost, so the bench can show
// the generator's own ceiling beside the receiver's rate.

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <vector>

#include "addon.h"

namespace ofs {
namespace {

double Now(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

Napi::Value Blast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string ifname = info[0].ToString();
  if (!info[1].IsTypedArray()) throw Napi::TypeError::New(env, "blast(ifname, frames: Uint8Array, frameLen, count, batch)");
  Napi::Uint8Array frames = info[1].As<Napi::Uint8Array>();
  const uint32_t frame_len = info[2].ToNumber().Uint32Value();
  const double count = info[3].ToNumber().DoubleValue();
  uint32_t batch = info[4].IsNumber() ? info[4].ToNumber().Uint32Value() : 64;
  if (frame_len < ETH_HLEN || frames.ByteLength() < frame_len) throw Napi::RangeError::New(env, "blast: bad frames");
  if (batch == 0 || batch > 1024) batch = 64;
  const uint32_t nframes = uint32_t(frames.ByteLength() / frame_len);

  const int ifindex = int(if_nametoindex(ifname.c_str()));
  if (!ifindex) throw MakeSysError(env, "if_nametoindex(" + ifname + ")", errno);
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) throw MakeSysError(env, "socket(AF_PACKET)", errno);
  int one = 1;
  setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  sockaddr_ll sll = {};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = 0;  // send only
  sll.sll_ifindex = ifindex;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) {
    const int err = errno;
    close(fd);
    throw MakeSysError(env, "bind(" + ifname + ")", err);
  }

  std::vector<mmsghdr> msgs(batch);
  std::vector<iovec> iov(batch);
  uint8_t* base = frames.Data();
  double sent = 0;
  double retries = 0;
  uint32_t next = 0;
  const double t0 = Now(CLOCK_MONOTONIC);
  const double c0 = Now(CLOCK_THREAD_CPUTIME_ID);
  while (sent < count) {
    const uint32_t m = uint32_t(count - sent < batch ? count - sent : batch);
    for (uint32_t i = 0; i < m; i++) {
      iov[i] = {base + size_t(next) * frame_len, frame_len};
      next = next + 1 == nframes ? 0 : next + 1;
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int r = sendmmsg(fd, msgs.data(), m, 0);
    if (r > 0) {
      sent += r;
    } else if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
      retries++;
    } else {
      const int err = errno;
      close(fd);
      throw MakeSysError(env, "sendmmsg", err);
    }
  }
  const double seconds = Now(CLOCK_MONOTONIC) - t0;
  const double cpu = Now(CLOCK_THREAD_CPUTIME_ID) - c0;
  close(fd);
  Napi::Object o = Napi::Object::New(env);
  o.Set("sent", sent);
  o.Set("seconds", seconds);
  o.Set("cpuSeconds", cpu);
  o.Set("retries", retries);
  return o;
}

}  // namespace

void InitBlaster(Napi::Env env, Napi::Object exports) {
  exports.Set("blast", Napi::Function::New<Blast>(env, "blast"));
}

}  // namespace ofs
