// Shared definitions for the ofswitch native addon: the counters the addon
// keeps in JS-owned memory, and the slot ring it fills with received frames.
//
// Both layouts are mirrored in lib/netdev/ring.ts; change them together.

#ifndef OFSWITCH_NATIVE_COMMON_H
#define OFSWITCH_NATIVE_COMMON_H

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace ofs {

// Indexes into the counters array (a BigUint64Array owned by JS, written by
// the addon, read by JS whenever it likes: plain 64-bit stores on the one
// thread that runs both, so no tearing and no locking).
enum Counter : uint32_t {
  kRxPackets = 0,    // frames delivered to JS (each GSO segment counts)
  kRxBytes,          // their bytes, as delivered (tags re-inserted)
  kRxDropped,        // frames we dropped: oversized, truncated, no room
  kRxErrors,         // receive syscall errors, malformed GSO frames
  kTxPackets,
  kTxBytes,
  kTxDropped,        // socket full (EAGAIN/ENOBUFS) or device down
  kTxErrors,         // anything else the kernel refused, bad descriptors
  kKernelDrops,      // PACKET_STATISTICS tp_drops, accumulated
  kWakeups,          // poll callbacks (libuv told us the fd was readable)
  kRxSyscalls,       // recvmmsg/read calls
  kRxBatches,        // batch callbacks into JS
  kTxSyscalls,       // sendmmsg/write calls
  kGsoFrames,        // GSO super-frames segmented in software
  kGsoSegments,      // segments they produced
  kCsumCompleted,    // partial checksums completed in software
  kVlanRestored,     // tags re-inserted from PACKET_AUXDATA / tpacket header
  kCounterCount
};

// The receive side of the memory contract. JS allocates one ArrayBuffer of
// `nslots * slot_size` bytes and an Int32Array of 2 * nslots descriptors.
// The addon writes frame i at byte i * slot_size + headroom (the headroom is
// left free for the datapath to push tags in place), sets desc[2i] to that
// offset and desc[2i+1] to the frame's length, and calls JS once with the
// count. The slots are JS's only for the duration of that call; once it
// returns, the addon may overwrite any of them.
struct SlotRing {
  uint8_t* base = nullptr;
  size_t bytes = 0;
  uint32_t slot_size = 0;
  uint32_t headroom = 0;
  uint32_t nslots = 0;
  int32_t* desc = nullptr;
  uint32_t count = 0;  // slots filled and not yet delivered

  bool Full() const { return count >= nslots; }
  uint32_t Capacity() const { return slot_size - headroom; }
  uint8_t* Next() const { return base + size_t(count) * slot_size + headroom; }
  void Commit(uint32_t len, uint64_t* counters) {
    desc[2 * count] = int32_t(size_t(count) * slot_size + headroom);
    desc[2 * count + 1] = int32_t(len);
    count++;
    counters[kRxPackets]++;
    counters[kRxBytes] += len;
  }
};

// Where EmitFrame puts frames. Reserve() returns the data area of the next
// free slot, first handing the full ring to JS if every slot is taken; it
// returns null when the port was closed during that hand-over.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual uint8_t* Reserve(uint32_t* capacity) = 0;
  virtual void Commit(uint32_t len) = 0;
};

inline std::string ErrnoText(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

}  // namespace ofs

#endif
