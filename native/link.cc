// What the kernel knows about an interface, and news of changes to it.
//
// interfaceInfo(name) asks with ioctls (index, flags, MTU, MAC) and the
// ethtool ioctl (speed, duplex, port type, autonegotiation: first
// ETHTOOL_GLINKSETTINGS, which needs a two-step handshake for the size of
// its link-mode bitmaps, then the older ETHTOOL_GSET for drivers that only
// have that). Interfaces without ethtool support report speed -1.
//
// LinkMonitor listens on an rtnetlink socket bound to RTMGRP_LINK and calls
// JS once per RTM_NEWLINK/RTM_DELLINK with the interface's index, name,
// flags, MTU, MAC and operational state, so carrier and admin changes reach
// the switch in the time it takes the kernel to send one message instead of
// a polling period. If the kernel had to drop messages (ENOBUFS) it calls
// with ifindex 0: the listener must re-read every interface it cares about.

#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "addon.h"

namespace ofs {
namespace {

std::string MacText(const uint8_t* m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

// A datagram socket only to have something to aim ioctls at.
class IoctlSocket {
 public:
  IoctlSocket() : fd_(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~IoctlSocket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

bool FillName(ifreq* ifr, const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return false;
  std::memset(ifr, 0, sizeof *ifr);
  std::memcpy(ifr->ifr_name, name.data(), name.size());
  return true;
}

struct LinkSpeed {
  int64_t speed = -1;  // Mb/s
  int duplex = -1;     // 0 half, 1 full
  int port = -1;       // PORT_TP, PORT_FIBRE, ...
  int autoneg = -1;
};

LinkSpeed ReadSpeed(int fd, const std::string& name) {
  LinkSpeed out;
  ifreq ifr;
  FillName(&ifr, name);
  // ETHTOOL_GLINKSETTINGS: ask with nwords = 0, the kernel answers with
  // -nwords; ask again with that many words for each of the three bitmaps.
  alignas(8) uint8_t raw[sizeof(ethtool_link_settings) + 3 * 127 * sizeof(uint32_t)];
  auto* req = reinterpret_cast<ethtool_link_settings*>(raw);
  std::memset(raw, 0, sizeof raw);
  req->cmd = ETHTOOL_GLINKSETTINGS;
  ifr.ifr_data = reinterpret_cast<char*>(req);
  if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && req->link_mode_masks_nwords < 0) {
    const int8_t nwords = int8_t(-req->link_mode_masks_nwords);
    std::memset(raw, 0, sizeof raw);
    req->cmd = ETHTOOL_GLINKSETTINGS;
    req->link_mode_masks_nwords = nwords;
    if (ioctl(fd, SIOCETHTOOL, &ifr) == 0) {
      if (req->speed != uint32_t(SPEED_UNKNOWN)) out.speed = req->speed;
      if (req->duplex != DUPLEX_UNKNOWN) out.duplex = req->duplex;
      out.port = req->port;
      out.autoneg = req->autoneg;
      return out;
    }
  }
  ethtool_cmd cmd;
  std::memset(&cmd, 0, sizeof cmd);
  cmd.cmd = ETHTOOL_GSET;
  ifr.ifr_data = reinterpret_cast<char*>(&cmd);
  if (ioctl(fd, SIOCETHTOOL, &ifr) == 0) {
    const uint32_t speed = ethtool_cmd_speed(&cmd);
    if (speed != uint32_t(SPEED_UNKNOWN) && speed != 0xffff) out.speed = speed;
    if (cmd.duplex != DUPLEX_UNKNOWN) out.duplex = cmd.duplex;
    out.port = cmd.port;
    out.autoneg = cmd.autoneg;
  }
  return out;
}

Napi::Value InterfaceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = info[0].ToString();
  ifreq ifr;
  if (!FillName(&ifr, name)) throw MakeSysError(env, "interfaceInfo(" + name + ")", ENAMETOOLONG);
  IoctlSocket s;
  if (s.fd() < 0) throw MakeSysError(env, "socket(AF_INET)", errno);
  Napi::Object o = Napi::Object::New(env);
  if (ioctl(s.fd(), SIOCGIFINDEX, &ifr) < 0) throw MakeSysError(env, "SIOCGIFINDEX(" + name + ")", errno);
  o.Set("ifindex", ifr.ifr_ifindex);
  FillName(&ifr, name);
  if (ioctl(s.fd(), SIOCGIFFLAGS, &ifr) < 0) throw MakeSysError(env, "SIOCGIFFLAGS(" + name + ")", errno);
  o.Set("flags", uint32_t(uint16_t(ifr.ifr_flags)));
  FillName(&ifr, name);
  if (ioctl(s.fd(), SIOCGIFMTU, &ifr) < 0) throw MakeSysError(env, "SIOCGIFMTU(" + name + ")", errno);
  o.Set("mtu", ifr.ifr_mtu);
  FillName(&ifr, name);
  if (ioctl(s.fd(), SIOCGIFHWADDR, &ifr) < 0) throw MakeSysError(env, "SIOCGIFHWADDR(" + name + ")", errno);
  o.Set("mac", MacText(reinterpret_cast<const uint8_t*>(ifr.ifr_hwaddr.sa_data)));
  const LinkSpeed sp = ReadSpeed(s.fd(), name);
  o.Set("speed", double(sp.speed));
  o.Set("duplex", sp.duplex);
  o.Set("port", sp.port);
  o.Set("autoneg", sp.autoneg);
  return o;
}

Napi::Value SetInterfaceUp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = info[0].ToString();
  const bool up = info[1].ToBoolean();
  ifreq ifr;
  if (!FillName(&ifr, name)) throw MakeSysError(env, "setInterfaceUp(" + name + ")", ENAMETOOLONG);
  IoctlSocket s;
  if (ioctl(s.fd(), SIOCGIFFLAGS, &ifr) < 0) throw MakeSysError(env, "SIOCGIFFLAGS(" + name + ")", errno);
  const short flags = up ? short(ifr.ifr_flags | IFF_UP) : short(ifr.ifr_flags & ~IFF_UP);
  if (flags != ifr.ifr_flags) {
    ifr.ifr_flags = flags;
    if (ioctl(s.fd(), SIOCSIFFLAGS, &ifr) < 0) throw MakeSysError(env, "SIOCSIFFLAGS(" + name + ")", errno);
  }
  return env.Undefined();
}

class LinkMonitor : public Napi::ObjectWrap<LinkMonitor> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "LinkMonitor", {InstanceMethod<&LinkMonitor::Close>("close")});
  }

  explicit LinkMonitor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LinkMonitor>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "LinkMonitor(listener: function)");
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ < 0) throw MakeSysError(env, "socket(NETLINK_ROUTE)", errno);
    int rcvbuf = 1 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    sockaddr_nl sa = {};
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = RTMGRP_LINK;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
      const int err = errno;
      close(fd_);
      fd_ = -1;
      throw MakeSysError(env, "bind(RTMGRP_LINK)", err);
    }
    listener_ = Napi::Persistent(info[0].As<Napi::Function>());
    async_ = std::make_unique<Napi::AsyncContext>(env, "ofswitch.LinkMonitor");
    poll_ = new uv_poll_t;
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    uv_poll_init(loop, poll_, fd_);
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE, OnPoll);
    // A monitor alone should not keep the process alive; the ports do.
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    Ref();
  }

  ~LinkMonitor() override { Release(); }

 private:
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (fd_ >= 0) {
      Release();
      Unref();
    }
    return info.Env().Undefined();
  }

  void Release() {
    if (poll_) {
      uv_poll_stop(poll_);
      poll_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  static void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
    auto* self = static_cast<LinkMonitor*>(handle->data);
    if (!self || status < 0) return;
    Napi::HandleScope scope(self->Env());
    self->Drain();
  }

  void Drain() {
    std::vector<uint8_t>& buf = buf_;
    buf.resize(1 << 16);
    while (fd_ >= 0) {
      const ssize_t n = recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) {
          Emit(0, "", 0, 0, "", 0, false);  // lost messages: resynchronise
          continue;
        }
        return;
      }
      int len = int(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) continue;
        const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
        std::string name;
        std::string mac;
        uint32_t mtu = 0;
        uint32_t oper = 0;
        int alen = int(IFLA_PAYLOAD(h));
        for (auto* a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
          const auto* p = static_cast<const uint8_t*>(RTA_DATA(a));
          switch (a->rta_type) {
            case IFLA_IFNAME:
              name.assign(reinterpret_cast<const char*>(p), strnlen(reinterpret_cast<const char*>(p), RTA_PAYLOAD(a)));
              break;
            case IFLA_MTU:
              if (RTA_PAYLOAD(a) >= 4) std::memcpy(&mtu, p, 4);
              break;
            case IFLA_ADDRESS:
              if (RTA_PAYLOAD(a) == 6) mac = MacText(p);
              break;
            case IFLA_OPERSTATE:
              if (RTA_PAYLOAD(a) >= 1) oper = p[0];
              break;
            default:
              break;
          }
        }
        Emit(ifi->ifi_index, name, ifi->ifi_flags, mtu, mac, oper, h->nlmsg_type == RTM_DELLINK);
        if (fd_ < 0) return;  // closed by the listener
      }
    }
  }

  void Emit(int ifindex, const std::string& name, uint32_t flags, uint32_t mtu, const std::string& mac,
            uint32_t oper, bool deleted) {
    Napi::Env env = Env();
    Napi::Object ev = Napi::Object::New(env);
    ev.Set("ifindex", ifindex);
    ev.Set("name", name);
    ev.Set("flags", flags);
    ev.Set("mtu", mtu);
    ev.Set("mac", mac);
    ev.Set("operstate", oper);
    ev.Set("deleted", deleted);
    CallFromLoop(env, listener_, *async_, {ev});
  }

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference listener_;
  std::unique_ptr<Napi::AsyncContext> async_;
  std::vector<uint8_t> buf_;
};

}  // namespace

void InitLink(Napi::Env env, Napi::Object exports) {
  exports.Set("interfaceInfo", Napi::Function::New<InterfaceInfo>(env, "interfaceInfo"));
  exports.Set("setInterfaceUp", Napi::Function::New<SetInterfaceUp>(env, "setInterfaceUp"));
  exports.Set("LinkMonitor", LinkMonitor::Define(env));
}

}  // namespace ofs
