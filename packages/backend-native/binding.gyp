{
  "variables": {
    # 1 for the prebuilt binaries of the platform packages (node-gyp rebuild --selfsup_portable=1):
    # on Linux, libstdc++ is linked in (its symbols kept inside the addon) so the binary needs
    # only glibc >= 2.34, libm and libgcc_s. See scripts/prebuilt.mjs (build).
    "selfsup_portable%": 0
  },
  "targets": [
    {
      "target_name": "selfsup_native",
      "sources": [
        "native/addon.cc",
        "native/adamw.cc",
        "native/clip_norm.cc",
        "native/cpu.cc",
        "native/gemm.cc",
        "native/logic.cc",
        "native/ops.cc",
        "native/ops_avx2.cc",
        "native/ops_avx512.cc",
        "native/ops_generic.cc",
        "native/pool.cc"
      ],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17", "-O2"],
      "cflags": ["-O3", "-fexceptions", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl", "-pthread"], "ldflags": ["-pthread"] }],
        ["OS=='linux' and selfsup_portable==1", {
          "sources": ["native/glibc_compat.cc"],
          "ldflags": ["-static-libstdc++", "-Wl,--exclude-libs,ALL"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "OTHER_CFLAGS": ["-O3", "-fopenmp-simd", "-fno-math-errno"]
          }
        }]
      ]
    }
  ]
}
