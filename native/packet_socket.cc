// AF_PACKET ports: an existing Linux interface, read and written raw.
//
// Set-up, in this order (each step matters):
//  * socket(AF_PACKET, SOCK_RAW, 0): protocol 0 receives nothing until
//    bind(), so no frame of another interface slips into the queue.
//  * PACKET_VNET_HDR: every frame comes with a VnetHdr saying whether
//    its L4 checksum is partial (and where) and whether it is a GSO
//    super-frame (and its MSS); frame.cc uses both. Frames we send need one
//    too (all zero: a complete frame, no offload).
//  * PACKET_AUXDATA (recvmmsg mode): the stripped VLAN tag and TPID. The
//    TPACKET_V3 header carries the same fields.
//  * PACKET_IGNORE_OUTGOING: the kernel does not loop our own transmissions
//    (nor the host stack's) back to us. On kernels before 4.20 the option
//    is missing and we skip PACKET_OUTGOING frames by their sll_pkttype.
//  * a large receive buffer (SO_RCVBUFFORCE; we are root): a 64-byte frame
//    costs ~1 KiB of skb truesize, and the default 208 KiB overflows after
//    ~200 frames of a burst.
//  * bind to ETH_P_ALL on the interface, then PACKET_MR_PROMISC, so frames
//    to any MAC address reach us, as they must reach a switch port.
//
// Two receive paths, chosen per socket:
//  * recvmmsg: up to kBatch frames per system call, each into a 64 KiB
//    thread-local scratch area (GSO super-frames are up to 64 KiB), then
//    copied into a JS slot by EmitFrame with the fix-ups applied.
//  * TPACKET_V3: the kernel writes frames into mmap'ed blocks and wakes us
//    when a block is full or its retire timer fires; we walk the blocks
//    without any system call and copy frames out the same way.
// Measured with bench/netdev.ts on the project's machine (2 vCPUs, nested
// VM where system calls and cross-CPU wake-ups are dear), 64-byte frames on
// a veth pair from a sendmmsg generator in another process:
//                 received        CPU/million frames     frames/wakeup  lone-frame latency
//   recvmmsg      0.12-0.22 Mpps  1.3-1.6 s (0.2 s user)     ~19-23          6-9 us
//   TPACKET_V3    0.19-0.29 Mpps  0.11-0.16 s                ~500-600     ~1000 us
// (three runs; the generator alone did 0.25-0.51 Mpps: the VM is noisy.)
// recvmmsg's receiver itself used only ~20-30% of a core (and still saw
// kernel drops when it was not scheduled in time); what held the rate down
// was the generator's CPU paying a wake-up of the sleeping receiver every
// ~20 frames, plus the per-message copy-out in recvmmsg. V3 saves both (the
// kernel copies into the ring in the sender's softirq and wakes us once per
// block), at ten times less CPU per frame, but it only wakes us when a
// block retires, full or after tp_retire_blk_tov (1 ms at the least), so a
// lone frame (a ping, a TCP handshake, an ARP) waits up to a millisecond per
// port it crosses. Switching a live socket between the two is not lossless
// (PACKET_RX_RING unhooks the socket for an RCU grace period), so a port
// picks one when it opens: recvmmsg by default, since a switch must not add
// a millisecond to every quiet flow, and `mode: 'tpacket_v3'` for ports
// that expect floods and can afford the latency.
//
// Send is sendmmsg in both modes (the V3 TX ring offers nothing over it
// here): one call per up to kBatch frames, each frame's iovec pointing
// straight into the JS buffer behind a static zero vnet header; a frame
// shorter than the Ethernet minimum gets a third iovec of zeros (kEthPad)
// so it leaves at 60 bytes, as from a NIC.
//
// Queues: a qdisc classes a frame by its skb priority, which AF_PACKET
// takes from the socket (SO_PRIORITY), not per message. So each queue of a
// port (lib/netdev/system.ts) gets a transmit lane: a send-only socket
// (protocol 0: it receives nothing) with the queue's priority, sent to with
// the same batched sendmmsg. Lane 0 is the main socket, priority 0.

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <vector>

#include "backend.h"
#include "frame.h"

namespace ofs {
namespace {

constexpr uint32_t kBatch = 64;
// Largest frame we accept: a 64 KiB GSO super-frame plus its L2 header.
constexpr uint32_t kFrameMax = 65536 + 256;
// recvmmsg calls per poll wakeup before giving the loop back.
constexpr uint32_t kMaxRounds = 8;
// TPACKET_V3 blocks walked per poll wakeup before giving the loop back.
constexpr uint32_t kMaxBlocks = 8;

constexpr uint16_t kDefaultTpid = 0x8100;

// Per-thread receive scratch for recvmmsg. All ports of a thread share it:
// their poll callbacks run one at a time, and the frames are copied out of
// it before the callback returns.
struct RecvScratch {
  VnetHdr vnet[kBatch];
  mmsghdr msgs[kBatch];
  iovec iov[kBatch][2];
  sockaddr_ll addr[kBatch];
  alignas(cmsghdr) uint8_t ctrl[kBatch][CMSG_SPACE(sizeof(tpacket_auxdata))];
  std::unique_ptr<uint8_t[]> data{new uint8_t[size_t(kBatch) * kFrameMax]};
};

RecvScratch& Scratch() {
  static thread_local std::unique_ptr<RecvScratch> s;
  if (!s) s.reset(new RecvScratch());
  return *s;
}

struct SendScratch {
  mmsghdr msgs[kBatch];
  iovec iov[kBatch][3];
  uint32_t lens[kBatch];
};

const VnetHdr kZeroVnet = {};

bool Transient(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

void SetInt(int fd, int level, int opt, int value, const char* what) {
  if (setsockopt(fd, level, opt, &value, sizeof value) < 0) throw SysError(what, errno);
}

void CountEmit(EmitResult r, uint64_t* counters) {
  switch (r) {
    case EmitResult::kOk:
    case EmitResult::kClosed:
      break;
    case EmitResult::kTooBig:
      counters[kRxDropped]++;
      break;
    case EmitResult::kMalformed:
      counters[kRxErrors]++;
      break;
  }
}

class PacketSocket : public Backend {
 public:
  explicit PacketSocket(const PacketSocketOptions& o) : name_(o.ifname) {
    ifindex_ = int(if_nametoindex(o.ifname.c_str()));
    if (ifindex_ == 0) throw SysError("if_nametoindex(" + o.ifname + ")", errno ? errno : ENODEV);
    fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw SysError("socket(AF_PACKET)", errno);
    try {
      Setup(o);
    } catch (...) {
      Release();
      throw;
    }
  }
  ~PacketSocket() override { Release(); }

  int fd() const override { return fd_; }
  const std::string& name() const override { return name_; }

  void Receive(FrameSink& sink, uint64_t* counters) override {
    if (ring_) {
      ReceiveRing(sink, counters);
    } else {
      ReceiveMmsg(sink, counters);
    }
  }

  uint32_t Send(const uint8_t* bytes, size_t nbytes, const int32_t* desc, uint32_t count,
                uint64_t* counters) override {
    return SendFd(fd_, bytes, nbytes, desc, count, counters);
  }

  // A lane socket: protocol 0, so it receives nothing; bound to the
  // interface so sendmmsg needs no address; the same zero vnet header as
  // the main socket's sends; SO_PRIORITY for the qdisc.
  uint32_t AddTxLane(uint32_t priority) override {
    const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw SysError("socket(AF_PACKET) for a transmit lane", errno);
    try {
      SetInt(fd, SOL_PACKET, PACKET_VNET_HDR, 1, "setsockopt(PACKET_VNET_HDR)");
      SetInt(fd, SOL_SOCKET, SO_PRIORITY, int(priority), "setsockopt(SO_PRIORITY)");
      sockaddr_ll sll = {};
      sll.sll_family = AF_PACKET;
      sll.sll_protocol = 0;
      sll.sll_ifindex = ifindex_;
      if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) throw SysError("bind(" + name_ + ") for a transmit lane", errno);
    } catch (...) {
      close(fd);
      throw;
    }
    lanes_.push_back(fd);
    return uint32_t(lanes_.size());
  }

  uint32_t SendLane(uint32_t lane, const uint8_t* bytes, size_t nbytes, const int32_t* desc, uint32_t count,
                    uint64_t* counters) override {
    const int fd = lane >= 1 && lane <= lanes_.size() ? lanes_[lane - 1] : fd_;
    return SendFd(fd, bytes, nbytes, desc, count, counters);
  }

 private:
  uint32_t SendFd(int fd, const uint8_t* bytes, size_t nbytes, const int32_t* desc, uint32_t count,
                  uint64_t* counters) {
    static thread_local SendScratch s;
    uint32_t sent = 0;
    uint32_t i = 0;
    while (i < count) {
      uint32_t m = 0;
      for (; m < kBatch && i < count; i++) {
        const int32_t off = desc[2 * i];
        const int32_t len = desc[2 * i + 1];
        if (off < 0 || len < ETH_HLEN || size_t(off) + size_t(len) > nbytes) {
          counters[kTxErrors]++;
          continue;
        }
        const uint32_t pad = uint32_t(len) < kEthMinFrame ? kEthMinFrame - uint32_t(len) : 0;
        s.iov[m][0] = {const_cast<VnetHdr*>(&kZeroVnet), sizeof kZeroVnet};
        s.iov[m][1] = {const_cast<uint8_t*>(bytes) + off, size_t(len)};
        s.iov[m][2] = {const_cast<uint8_t*>(kEthPad), pad};
        std::memset(&s.msgs[m].msg_hdr, 0, sizeof(msghdr));
        s.msgs[m].msg_hdr.msg_iov = s.iov[m];
        s.msgs[m].msg_hdr.msg_iovlen = pad ? 3 : 2;
        // tx_bytes counts the frame as sent, padding included: what a Linux
        // NIC counts (its driver pads skb->len before counting), what the
        // kernel's own tx_bytes for this interface shows, and what the
        // receiver's rx_bytes shows.
        s.lens[m] = uint32_t(len) + pad;
        m++;
      }
      uint32_t k = 0;
      while (k < m) {
        const int r = sendmmsg(fd, s.msgs + k, m - k, MSG_DONTWAIT);
        counters[kTxSyscalls]++;
        if (r > 0) {
          for (uint32_t q = k; q < k + uint32_t(r); q++) counters[kTxBytes] += s.lens[q];
          counters[kTxPackets] += uint32_t(r);
          sent += uint32_t(r);
          k += uint32_t(r);
          continue;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS || err == ENETDOWN || err == ENXIO) {
          // The queue is full or the device is down: the rest of this send
          // would fail the same way, so drop it at once (as a NIC whose TX
          // ring is full does) rather than spin.
          counters[kTxDropped] += (m - k) + (count - i);
          return sent;
        }
        counters[kTxErrors]++;  // this frame only (EMSGSIZE, EINVAL, ...)
        k++;
      }
    }
    return sent;
  }

 public:
  int TakeError() override {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
  }

  void ReadKernelStats(uint64_t* counters) override {
    // Reading PACKET_STATISTICS resets the kernel's counters, so we add.
    tpacket_stats_v3 st = {};
    socklen_t len = ring_ ? sizeof(tpacket_stats_v3) : sizeof(tpacket_stats);
    if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) counters[kKernelDrops] += st.tp_drops;
  }

 private:
  void Setup(const PacketSocketOptions& o) {
    SetInt(fd_, SOL_PACKET, PACKET_VNET_HDR, 1, "setsockopt(PACKET_VNET_HDR)");
    SetInt(fd_, SOL_PACKET, PACKET_AUXDATA, 1, "setsockopt(PACKET_AUXDATA)");
#ifdef PACKET_IGNORE_OUTGOING
    int one = 1;
    setsockopt(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);  // pkttype check covers older kernels
#endif
    if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &o.rcvbuf, sizeof o.rcvbuf) < 0) {
      SetInt(fd_, SOL_SOCKET, SO_RCVBUF, o.rcvbuf, "setsockopt(SO_RCVBUF)");
    }
    if (o.tpacket_v3) SetupRing(o);

    sockaddr_ll sll = {};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = ifindex_;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) throw SysError("bind(" + name_ + ")", errno);

    packet_mreq mr = {};
    mr.mr_ifindex = ifindex_;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) {
      throw SysError("setsockopt(PACKET_ADD_MEMBERSHIP, PROMISC)", errno);
    }
  }

  void SetupRing(const PacketSocketOptions& o) {
    SetInt(fd_, SOL_PACKET, PACKET_VERSION, TPACKET_V3, "setsockopt(PACKET_VERSION, TPACKET_V3)");
    tpacket_req3 req = {};
    req.tp_block_size = o.block_size;
    req.tp_block_nr = o.block_count;
    req.tp_frame_size = 2048;  // nominal in V3: frames are packed in a block
    req.tp_frame_nr = o.block_size / 2048 * o.block_count;
    req.tp_retire_blk_tov = o.block_timeout_ms;
    if (setsockopt(fd_, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
      throw SysError("setsockopt(PACKET_RX_RING)", errno);
    }
    ring_len_ = size_t(o.block_size) * o.block_count;
    void* p = mmap(nullptr, ring_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, 0);
    if (p == MAP_FAILED) throw SysError("mmap(PACKET_RX_RING)", errno);
    ring_ = static_cast<uint8_t*>(p);
    block_size_ = o.block_size;
    block_count_ = o.block_count;
  }

  void Release() {
    for (int fd : lanes_) close(fd);
    lanes_.clear();
    if (ring_) munmap(ring_, ring_len_);
    ring_ = nullptr;
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  void ReceiveMmsg(FrameSink& sink, uint64_t* counters) {
    RecvScratch& s = Scratch();
    for (uint32_t round = 0; round < kMaxRounds; round++) {
      for (uint32_t j = 0; j < kBatch; j++) {
        s.iov[j][0] = {&s.vnet[j], sizeof(VnetHdr)};
        s.iov[j][1] = {s.data.get() + size_t(j) * kFrameMax, kFrameMax};
        msghdr& h = s.msgs[j].msg_hdr;
        h.msg_name = &s.addr[j];
        h.msg_namelen = sizeof(sockaddr_ll);
        h.msg_iov = s.iov[j];
        h.msg_iovlen = 2;
        h.msg_control = s.ctrl[j];
        h.msg_controllen = sizeof s.ctrl[j];
        h.msg_flags = 0;
      }
      const int n = recvmmsg(fd_, s.msgs, kBatch, MSG_DONTWAIT, nullptr);
      counters[kRxSyscalls]++;
      if (n < 0) {
        // ENETDOWN comes through here once when the interface goes down;
        // the link monitor reports that, it is not a receive error.
        if (!Transient(errno) && errno != ENETDOWN) counters[kRxErrors]++;
        return;
      }
      for (int j = 0; j < n; j++) {
        const msghdr& h = s.msgs[j].msg_hdr;
        if (s.addr[j].sll_pkttype == PACKET_OUTGOING) continue;
        if ((h.msg_flags & MSG_TRUNC) || s.msgs[j].msg_len < sizeof(VnetHdr)) {
          counters[kRxDropped]++;
          continue;
        }
        RxFrameInfo info;
        info.vnet = &s.vnet[j];
        for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
          if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
          tpacket_auxdata aux;
          std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
          Tag(aux.tp_status, aux.tp_vlan_tci, aux.tp_vlan_tpid, &info);
        }
        const EmitResult r = EmitFrame(s.data.get() + size_t(j) * kFrameMax,
                                       uint32_t(s.msgs[j].msg_len - sizeof(VnetHdr)), info, sink, counters);
        if (r == EmitResult::kClosed) return;
        CountEmit(r, counters);
      }
      if (uint32_t(n) < kBatch) return;
    }
  }

  void ReceiveRing(FrameSink& sink, uint64_t* counters) {
    for (uint32_t b = 0; b < kMaxBlocks; b++) {
      auto* bd = reinterpret_cast<tpacket_block_desc*>(ring_ + size_t(block_) * block_size_);
      // Acquire: the frames in the block are visible once its status is.
      if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) return;
      const uint32_t n = bd->hdr.bh1.num_pkts;
      uint8_t* p = reinterpret_cast<uint8_t*>(bd) + bd->hdr.bh1.offset_to_first_pkt;
      for (uint32_t i = 0; i < n; i++) {
        auto* h = reinterpret_cast<tpacket3_hdr*>(p);
        auto* sll = reinterpret_cast<sockaddr_ll*>(p + TPACKET_ALIGN(sizeof(tpacket3_hdr)));
        if (sll->sll_pkttype != PACKET_OUTGOING) {
          if (h->tp_snaplen < h->tp_len) {
            counters[kRxDropped]++;
          } else {
            RxFrameInfo info;
            info.vnet = reinterpret_cast<const VnetHdr*>(p + h->tp_mac - sizeof(VnetHdr));
            Tag(h->tp_status, h->hv1.tp_vlan_tci, h->hv1.tp_vlan_tpid, &info);
            const EmitResult r = EmitFrame(p + h->tp_mac, h->tp_snaplen, info, sink, counters);
            // Closed: the ring is unmapped once Receive returns; leave.
            if (r == EmitResult::kClosed) return;
            CountEmit(r, counters);
          }
        }
        p += h->tp_next_offset;
      }
      // Release: hand the block back only after we are done reading it.
      __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
      block_ = (block_ + 1) % block_count_;
    }
  }

  static void Tag(uint32_t status, uint16_t tci, uint16_t tpid, RxFrameInfo* info) {
    // Old kernels report a tag only by a non-zero TCI.
    if ((status & TP_STATUS_VLAN_VALID) || tci) {
      info->has_vlan = true;
      info->vlan_tci = tci;
      info->vlan_tpid = (status & TP_STATUS_VLAN_TPID_VALID) ? tpid : kDefaultTpid;
    }
    info->csum_not_ready = (status & TP_STATUS_CSUMNOTREADY) != 0;
  }

  std::string name_;
  int ifindex_ = 0;
  int fd_ = -1;
  // Transmit lanes' descriptors (AddTxLane); lane i is lanes_[i - 1].
  std::vector<int> lanes_;
  uint8_t* ring_ = nullptr;
  size_t ring_len_ = 0;
  uint32_t block_size_ = 0;
  uint32_t block_count_ = 0;
  uint32_t block_ = 0;
};

}  // namespace

std::unique_ptr<Backend> OpenPacketSocket(const PacketSocketOptions& options) {
  return std::unique_ptr<Backend>(new PacketSocket(options));
}

}  // namespace ofs
