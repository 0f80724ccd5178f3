// The I/O side of a port, separate from the JavaScript glue in port.cc: a
// file descriptor to poll, a way to drain it into a FrameSink, and a
// batched send. Implementations: AF_PACKET with recvmmsg, AF_PACKET with a
// TPACKET_V3 ring (packet_socket.cc), and TAP (tap.cc).

#ifndef OFSWITCH_NATIVE_BACKEND_H
#define OFSWITCH_NATIVE_BACKEND_H

#include <cerrno>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "common.h"

namespace ofs {

// A failed system call, with its errno, so JS gets `err.code === 'ENODEV'`.
class SysError : public std::runtime_error {
 public:
  SysError(const std::string& what, int err) : std::runtime_error(ErrnoText(what.c_str(), err)), err_(err) {}
  int err() const { return err_; }

 private:
  int err_;
};

// The Ethernet minimum frame, FCS excluded (IEEE 802.3 3.2.8, the Pad
// field; Linux's ETH_ZLEN). An Ethernet NIC pads a shorter frame with zeros
// on transmit (drivers call skb_put_padto(skb, ETH_ZLEN)); veth, AF_PACKET
// and TAP do not, so a frame made short by a pop (VLAN, MPLS) would leave
// us shorter than any wire could carry it. Backends pad by pointing one more iovec at
// kEthPad: no copy, no extra system call. Packet-ins are not padded (they
// carry the packet as the switch holds it).
constexpr uint32_t kEthMinFrame = 60;
constexpr uint32_t kEthHeaderLen = 14;
inline constexpr uint8_t kEthPad[kEthMinFrame - kEthHeaderLen] = {};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual int fd() const = 0;
  // The device's name (a TAP's name is chosen by the kernel when asked
  // for a pattern such as "tap%d").
  virtual const std::string& name() const = 0;
  // Drains what is ready (up to a budget, so that one busy port cannot
  // starve the others: libuv's level-triggered poll calls again) into
  // `sink`. Returns early if the sink reports the port closed.
  virtual void Receive(FrameSink& sink, uint64_t* counters) = 0;
  // Sends `count` frames described by desc[2i] (offset into `bytes`) and
  // desc[2i+1] (length). The frames are copied into the kernel before this
  // returns. Returns how many were accepted; the rest are counted as
  // dropped or errors.
  virtual uint32_t Send(const uint8_t* bytes, size_t nbytes, const int32_t* desc, uint32_t count,
                        uint64_t* counters) = 0;
  // Transmit lanes (a port's queues): another descriptor that only sends,
  // whose frames carry skb priority `priority` so that the interface's
  // qdisc classes them (AF_PACKET takes the priority per socket, so one
  // socket per queue keeps sends batched). Returns the lane's number (1,
  // 2, ...); lane 0 is the port's own descriptor. Only packet sockets
  // have lanes.
  virtual uint32_t AddTxLane(uint32_t /*priority*/) { throw SysError("transmit lanes on " + name(), EOPNOTSUPP); }
  // Send() on lane `lane`; an unknown lane sends on lane 0.
  virtual uint32_t SendLane(uint32_t /*lane*/, const uint8_t* bytes, size_t nbytes, const int32_t* desc, uint32_t count,
                            uint64_t* counters) {
    return Send(bytes, nbytes, desc, count, counters);
  }
  // Reads and clears a pending socket error (SO_ERROR); 0 if none.
  virtual int TakeError() { return 0; }
  // Folds the kernel's own drop counters into `counters`.
  virtual void ReadKernelStats(uint64_t* /*counters*/) {}
};

struct PacketSocketOptions {
  std::string ifname;
  bool tpacket_v3 = false;
  int rcvbuf = 8 << 20;
  uint32_t block_size = 1 << 17;
  uint32_t block_count = 32;
  uint32_t block_timeout_ms = 1;
};

std::unique_ptr<Backend> OpenPacketSocket(const PacketSocketOptions& options);
std::unique_ptr<Backend> OpenTap(const std::string& name);

}  // namespace ofs

#endif
