{
  # Built by scripts/install.mjs only when mpicc is on PATH; the flags are Open MPI's own
  # (mpicc --showme:compile / --showme:link), so the addon links the system's libmpi.
  "targets": [
    {
      "target_name": "selfsup_mpi",
      "sources": ["native/mpi_addon.cc"],
      "cflags": ["-O2", "<!@(mpicc --showme:compile)"],
      "cflags_cc": ["-std=c++17"],
      "libraries": ["<!@(mpicc --showme:link)"],
      "defines": ["NAPI_VERSION=8", "OMPI_SKIP_MPICXX=1", "MPICH_SKIP_MPICXX=1"]
    }
  ]
}
