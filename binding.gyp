{
  "targets": [
    {
      "target_name": "veil_native",
      "sources": ["src/native/kernels.c", "src/native/yuv.c", "src/native/syn.c", "src/native/pipes.c", "src/native/spawn.c"],
      "cflags": ["-O3", "-march=x86-64-v2", "-ffp-contract=off", "-fno-fast-math", "-fno-trapping-math", "-fno-math-errno"],
      "cflags_c": ["-std=c11"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
