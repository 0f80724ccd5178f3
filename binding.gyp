{
  "targets": [
    {
      "target_name": "ofswitch_native",
      "sources": [
        "native/addon.cc",
        "native/port.cc",
        "native/packet_socket.cc",
        "native/tap.cc",
        "native/frame.cc",
        "native/link.cc",
        "native/blaster.cc",
        "native/frame_probe.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-Wall", "-Wextra", "-Wno-missing-field-initializers"]
    }
  ]
}
