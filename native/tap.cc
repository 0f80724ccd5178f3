// TAP ports (and the bridge's internal port, which is a TAP named after
// the bridge): a virtual Ethernet device whose other side is this process.
//
// Opened with IFF_TAP | IFF_NO_PI and without IFF_VNET_HDR or TUNSETOFFLOAD,
// so the device advertises no checksum or segmentation offload: the kernel
// completes checksums and segments before a frame reaches us, and frames we
// write are checked by the stack like any received frame. That keeps TAP
// frames plain wire frames at the cost of the kernel doing the checksum
// work the peer would otherwise skip; worth it for a port that carries a
// host's own traffic, not a VM's bulk transfers.
//
// A TAP has no multi-message calls: receive reads straight into the JS
// slots (no copy in between) until EAGAIN or the per-wakeup budget; send
// is one writev() per frame, with a second iovec of zeros (kEthPad) when
// the frame is shorter than the Ethernet minimum, so the host sees the
// 60-byte frame a NIC would have received. Closing the descriptor deletes
// the device (it is not made persistent).

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>

#include "backend.h"

namespace ofs {
namespace {

// Frames read per poll wakeup before giving the loop back.
constexpr uint32_t kBudget = 512;
constexpr int32_t kEthHeader = 14;

class Tap : public Backend {
 public:
  explicit Tap(const std::string& name) {
    if (name.size() >= IFNAMSIZ) throw SysError("TAP name " + name, ENAMETOOLONG);
    fd_ = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) throw SysError("open(/dev/net/tun)", errno);
    ifreq ifr = {};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    if (ioctl(fd_, TUNSETIFF, &ifr) < 0) {
      const int err = errno;
      close(fd_);
      throw SysError("ioctl(TUNSETIFF, " + name + ")", err);
    }
    name_ = ifr.ifr_name;
  }
  ~Tap() override { close(fd_); }

  int fd() const override { return fd_; }
  const std::string& name() const override { return name_; }

  void Receive(FrameSink& sink, uint64_t* counters) override {
    for (uint32_t i = 0; i < kBudget; i++) {
      uint32_t cap = 0;
      uint8_t* d = sink.Reserve(&cap);
      if (!d) return;
      const ssize_t n = read(fd_, d, cap);
      counters[kRxSyscalls]++;
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) counters[kRxErrors]++;
        return;
      }
      if (n < kEthHeader) {
        counters[kRxErrors]++;
        continue;
      }
      sink.Commit(uint32_t(n));
    }
  }

  uint32_t Send(const uint8_t* bytes, size_t nbytes, const int32_t* desc, uint32_t count,
                uint64_t* counters) override {
    uint32_t sent = 0;
    for (uint32_t i = 0; i < count; i++) {
      const int32_t off = desc[2 * i];
      const int32_t len = desc[2 * i + 1];
      if (off < 0 || len < kEthHeader || size_t(off) + size_t(len) > nbytes) {
        counters[kTxErrors]++;
        continue;
      }
      const uint32_t pad = uint32_t(len) < kEthMinFrame ? kEthMinFrame - uint32_t(len) : 0;
      const iovec iov[2] = {{const_cast<uint8_t*>(bytes) + off, size_t(len)},
                            {const_cast<uint8_t*>(kEthPad), pad}};
      ssize_t r;
      do {
        r = writev(fd_, iov, pad ? 2 : 1);
      } while (r < 0 && errno == EINTR);
      counters[kTxSyscalls]++;
      if (r == ssize_t(len) + ssize_t(pad)) {
        sent++;
        counters[kTxPackets]++;
        counters[kTxBytes] += uint32_t(len) + pad;  // as sent, padding included (see packet_socket.cc)
      } else if (r < 0 && (errno == EIO || errno == EAGAIN || errno == EWOULDBLOCK)) {
        counters[kTxDropped]++;  // EIO: the device is down
      } else {
        counters[kTxErrors]++;
      }
    }
    return sent;
  }

 private:
  int fd_ = -1;
  std::string name_;
};

}  // namespace

std::unique_ptr<Backend> OpenTap(const std::string& name) { return std::unique_ptr<Backend>(new Tap(name)); }

}  // namespace ofs
