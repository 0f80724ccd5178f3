// Received-frame fix-ups: VLAN tag re-insertion, partial checksum
// completion, GSO segmentation. See frame.h for why each is needed.

#include "frame.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace ofs {
namespace {

constexpr uint16_t kEthTypeVlan = 0x8100;
constexpr uint16_t kEthTypeQinQ = 0x88a8;
constexpr uint16_t kEthTypeIpv4 = 0x0800;
constexpr uint16_t kEthTypeIpv6 = 0x86dd;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpCwr = 0x80;
// Enough for Ethernet + 2 tags + IPv6 with extension headers + TCP options.
constexpr uint32_t kMaxHeaders = 256;

inline uint16_t Get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t Get32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline void Put16(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
inline void Put32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

// Unfolded ones-complement accumulation of memory words in host order:
// 8 bytes at a time with end-around carry, then the tail. Callers only
// start a run at an even offset of the checksummed area, so word
// boundaries stay where the protocol puts them.
uint64_t SumWords(const uint8_t* p, size_t n, uint64_t acc) {
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    acc += w;
    acc += (acc < w);
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  if (n >= 4) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    tail += w;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    uint16_t w;
    std::memcpy(&w, p, 2);
    tail += w;
    p += 2;
    n -= 2;
  }
  if (n) {
    // The odd last byte is the first byte of a zero-padded word.
    uint16_t w = 0;
    std::memcpy(&w, p, 1);
    tail += w;
  }
  acc += tail;
  acc += (acc < tail);
  return acc;
}

uint16_t Fold(uint64_t acc) {
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffu) + (acc >> 16);
  acc = (acc & 0xffffu) + (acc >> 16);
  return uint16_t(acc);
}

// Stores the complement of a folded sum. A computed zero goes out as
// 0xffff, as the kernel's skb_checksum_help does (for UDP zero would mean
// "no checksum"; for TCP the two are the same number).
void StoreChecksum(uint8_t* field, uint16_t folded) {
  uint16_t c = uint16_t(~folded);
  if (c == 0) c = 0xffff;
  std::memcpy(field, &c, 2);
}

// Copies a received frame, re-inserting the stripped outer tag; returns the
// number of bytes written. Needs len >= 12 when a tag is present.
uint32_t CopyWithTag(uint8_t* dst, const uint8_t* src, uint32_t len, const RxFrameInfo& info) {
  if (!info.has_vlan) {
    std::memcpy(dst, src, len);
    return len;
  }
  std::memcpy(dst, src, 12);
  Put16(dst + 12, info.vlan_tpid);
  Put16(dst + 14, info.vlan_tci);
  std::memcpy(dst + 16, src + 12, len - 12);
  return len + 4;
}

// Offset of the network header: after the MACs and any 802.1Q/802.1ad tags.
int L3Offset(const uint8_t* f, uint32_t len, uint16_t* ethertype) {
  uint32_t off = 12;
  while (off + 2 <= len) {
    uint16_t t = Get16(f + off);
    if (t == kEthTypeVlan || t == kEthTypeQinQ) {
      off += 4;
      continue;
    }
    *ethertype = t;
    return int(off + 2);
  }
  return -1;
}

// Finishes a CHECKSUM_PARTIAL frame: the field already holds the folded
// pseudo-header sum, so summing from `start` to the end, field included,
// gives the full sum.
bool CompletePartial(uint8_t* f, uint32_t len, uint32_t start, uint32_t field) {
  if (start >= len || start + field + 2 > len) return false;
  StoreChecksum(f + start + field, Fold(SumWords(f + start, len - start, 0)));
  return true;
}

// CHECKSUM_PARTIAL without a vnet header (only if PACKET_VNET_HDR was not
// available): find the L4 header ourselves. IPv6 extension headers are not
// walked; a local stack does not put them on offloaded TCP/UDP.
bool CompletePartialByParsing(uint8_t* f, uint32_t len) {
  uint16_t et = 0;
  int l3 = L3Offset(f, len, &et);
  if (l3 < 0) return false;
  uint32_t l4;
  uint8_t proto;
  if (et == kEthTypeIpv4 && uint32_t(l3) + 20 <= len) {
    l4 = uint32_t(l3) + (f[l3] & 15) * 4u;
    proto = f[l3 + 9];
  } else if (et == kEthTypeIpv6 && uint32_t(l3) + 40 <= len) {
    l4 = uint32_t(l3) + 40;
    proto = f[l3 + 6];
  } else {
    return false;
  }
  if (proto == kIpProtoTcp) return CompletePartial(f, len, l4, 16);
  if (proto == kIpProtoUdp) return CompletePartial(f, len, l4, 6);
  return false;
}

// Cuts a GSO super-frame into wire-sized segments. Every segment gets the
// headers of the original with its own lengths, IPv4 id (+1 per segment),
// TCP sequence number and flags (FIN and PSH only on the last, CWR only on
// the first, as tcp_gso_segment does) and full checksums.
EmitResult Segment(const uint8_t* src, uint32_t len, const RxFrameInfo& info, FrameSink& sink,
                   uint64_t* counters) {
  const VnetHdr& vh = *info.vnet;
  const uint32_t tag = info.has_vlan ? 4 : 0;
  const uint32_t total = len + tag;
  const uint32_t mss = vh.gso_size;
  if (!(vh.flags & kVnetNeedsCsum) || mss == 0 || len < 14) return EmitResult::kMalformed;

  uint8_t hdr[kMaxHeaders];
  const uint32_t head = CopyWithTag(hdr, src, std::min(len, kMaxHeaders - 4), info);
  uint16_t et = 0;
  const int l3s = L3Offset(hdr, head, &et);
  if (l3s < 0) return EmitResult::kMalformed;
  const uint32_t l3 = uint32_t(l3s);
  const uint32_t l4 = vh.csum_start + tag;
  const bool v4 = et == kEthTypeIpv4;
  if (!v4 && et != kEthTypeIpv6) return EmitResult::kMalformed;
  if (l4 < l3 + (v4 ? 20 : 40) || l4 + 8 > head) return EmitResult::kMalformed;

  bool tcp;
  uint32_t hlen;
  switch (vh.gso_type & ~kGsoEcn) {
    case kGsoTcpv4:
    case kGsoTcpv6: {
      if (l4 + 20 > head) return EmitResult::kMalformed;
      const uint32_t thl = (hdr[l4 + 12] >> 4) * 4u;
      if (thl < 20) return EmitResult::kMalformed;
      tcp = true;
      hlen = l4 + thl;
      break;
    }
    case kGsoUdpL4:
      tcp = false;
      hlen = l4 + 8;
      break;
    default:  // UFO (IP fragmentation) is gone from the kernel's send path
      return EmitResult::kMalformed;
  }
  if (hlen > head || hlen > total) return EmitResult::kMalformed;

  const uint8_t* payload = src + (hlen - tag);
  const uint32_t plen = total - hlen;
  const uint32_t seq0 = tcp ? Get32(hdr + l4 + 4) : 0;
  const uint8_t flags0 = tcp ? hdr[l4 + 13] : 0;
  const uint16_t id0 = v4 ? Get16(hdr + l3 + 4) : 0;
  const uint32_t ihl = v4 ? (hdr[l3] & 15) * 4u : 0;
  const uint8_t proto = tcp ? kIpProtoTcp : kIpProtoUdp;
  const uint32_t field = tcp ? 16 : 6;
  counters[kGsoFrames]++;

  uint32_t done = 0;
  uint32_t k = 0;
  do {
    const uint32_t chunk = std::min(mss, plen - done);
    const uint32_t seglen = hlen + chunk;
    uint32_t cap = 0;
    uint8_t* d = sink.Reserve(&cap);
    if (!d) return EmitResult::kClosed;
    if (seglen > cap) return EmitResult::kTooBig;
    std::memcpy(d, hdr, hlen);
    std::memcpy(d + hlen, payload + done, chunk);

    const uint32_t l4len = seglen - l4;
    uint64_t acc;
    if (v4) {
      Put16(d + l3 + 2, seglen - l3);
      Put16(d + l3 + 4, uint16_t(id0 + k));
      d[l3 + 10] = d[l3 + 11] = 0;
      StoreChecksum(d + l3 + 10, Fold(SumWords(d + l3, ihl, 0)));
      acc = SumWords(d + l3 + 12, 8, 0);
    } else {
      Put16(d + l3 + 4, seglen - l3 - 40);
      acc = SumWords(d + l3 + 8, 32, 0);
    }
    acc += htons(proto);
    acc += htons(uint16_t(l4len));
    if (tcp) {
      Put32(d + l4 + 4, seq0 + done);
      uint8_t fl = flags0;
      if (done + chunk < plen) fl &= uint8_t(~(kTcpFin | kTcpPsh));
      if (k > 0) fl &= uint8_t(~kTcpCwr);
      d[l4 + 13] = fl;
    } else {
      Put16(d + l4 + 4, l4len);
    }
    d[l4 + field] = d[l4 + field + 1] = 0;
    StoreChecksum(d + l4 + field, Fold(SumWords(d + l4, l4len, acc)));
    sink.Commit(seglen);
    counters[kGsoSegments]++;
    done += chunk;
    k++;
  } while (done < plen);
  if (info.has_vlan) counters[kVlanRestored]++;
  return EmitResult::kOk;
}

}  // namespace

uint16_t OnesSum(const uint8_t* p, size_t n, uint64_t acc) { return Fold(SumWords(p, n, acc)); }

EmitResult EmitFrame(const uint8_t* src, uint32_t len, const RxFrameInfo& info, FrameSink& sink,
                     uint64_t* counters) {
  if (info.has_vlan && len < 12) return EmitResult::kMalformed;
  if (info.vnet && info.vnet->gso_type != kGsoNone) {
    return Segment(src, len, info, sink, counters);
  }
  uint32_t cap = 0;
  uint8_t* d = sink.Reserve(&cap);
  if (!d) return EmitResult::kClosed;
  if (len + (info.has_vlan ? 4 : 0) > cap) return EmitResult::kTooBig;
  const uint32_t out = CopyWithTag(d, src, len, info);
  if (info.has_vlan) counters[kVlanRestored]++;
  if (info.vnet && (info.vnet->flags & kVnetNeedsCsum)) {
    const uint32_t tag = info.has_vlan ? 4 : 0;
    if (CompletePartial(d, out, info.vnet->csum_start + tag, info.vnet->csum_offset)) counters[kCsumCompleted]++;
  } else if (info.csum_not_ready && !info.vnet) {
    if (CompletePartialByParsing(d, out)) counters[kCsumCompleted]++;
  }
  sink.Commit(out);
  return EmitResult::kOk;
}

}  // namespace ofs
