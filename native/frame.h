// Received-frame fix-ups: what the kernel hands an AF_PACKET reader is not
// always the frame that was on the (virtual) wire, and the switch must see
// and forward wire frames.
//
//  * VLAN tags. veth (and most NICs) strip the outermost 802.1Q/802.1ad tag
//    into skb metadata before packet taps run; PACKET_AUXDATA (or the
//    tpacket header) reports it. We put it back between the source MAC and
//    the EtherType, with its real TPID when TP_STATUS_VLAN_TPID_VALID says
//    the kernel knows it (0x88a8 for an 802.1ad outer tag).
//
//  * Partial checksums. A frame sent by a local stack through a device with
//    checksum offload (veth, TAP) carries only the pseudo-header sum in its
//    TCP/UDP checksum field (CHECKSUM_PARTIAL). The virtio_net_hdr that
//    PACKET_VNET_HDR prepends says where the checksummed area starts
//    (csum_start) and where the field is (csum_offset); we finish the sum in
//    software, as the NIC would have. This is what lets TCP work between
//    namespaces without `ethtool -K IFACE tx off` on the hosts.
//
//  * GSO super-frames. When the sending device has TSO (veth does by
//    default), the stack hands down one TCP segment of up to 64 KiB and
//    leaves cutting it to the "hardware"; an AF_PACKET tap sees it whole.
//    virtio_net_hdr carries gso_type and gso_size (the MSS), and we cut the
//    frame into MSS-sized segments here, each with its own IP length, IPv4
//    id, TCP sequence number, flags and full checksum (TCPv4, TCPv6 and
//    UDP_L4/USO). Nothing we could do on our side of the veth stops the
//    peer from producing them, so segmenting is the only option that needs
//    no change on the host.
//
// Offsets in the vnet header are relative to the frame as the kernel hands
// it to us, i.e. without the re-inserted tag; EmitFrame shifts them.

#ifndef OFSWITCH_NATIVE_FRAME_H
#define OFSWITCH_NATIVE_FRAME_H

#include <cstdint>

#include "common.h"

namespace ofs {

// struct virtio_net_hdr, 10 bytes, host byte order (what PACKET_VNET_HDR
// reads and writes on a little-endian host). Spelled out here because
// <linux/virtio_net.h> does not compile as C++ (a field named `class`).
struct VnetHdr {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
};
static_assert(sizeof(VnetHdr) == 10, "struct virtio_net_hdr is 10 bytes");

constexpr uint8_t kVnetNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr uint8_t kGsoNone = 0;        // VIRTIO_NET_HDR_GSO_NONE
constexpr uint8_t kGsoTcpv4 = 1;       // VIRTIO_NET_HDR_GSO_TCPV4
constexpr uint8_t kGsoTcpv6 = 4;       // VIRTIO_NET_HDR_GSO_TCPV6
constexpr uint8_t kGsoUdpL4 = 5;       // VIRTIO_NET_HDR_GSO_UDP_L4
constexpr uint8_t kGsoEcn = 0x80;      // VIRTIO_NET_HDR_GSO_ECN

struct RxFrameInfo {
  bool has_vlan = false;
  uint16_t vlan_tpid = 0x8100;  // host order
  uint16_t vlan_tci = 0;        // host order
  bool csum_not_ready = false;  // TP_STATUS_CSUMNOTREADY
  const VnetHdr* vnet = nullptr;
};

enum class EmitResult { kOk, kTooBig, kMalformed, kClosed };

// Writes `src` (as received) into `sink` as one or more wire frames. Counts
// GSO, checksum and VLAN work in `counters`; the caller counts drops.
EmitResult EmitFrame(const uint8_t* src, uint32_t len, const RxFrameInfo& info, FrameSink& sink,
                     uint64_t* counters);

// Ones-complement sum of `n` bytes, folded to 16 bits, in host order of the
// memory's 16-bit words (store it back with memcpy, not htons).
uint16_t OnesSum(const uint8_t* p, size_t n, uint64_t acc = 0);

}  // namespace ofs

#endif
