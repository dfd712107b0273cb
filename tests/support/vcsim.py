"""The simulated vCenter the vSphere tests run against (shared with the benchmarks: bench.vcsim)."""

from bench.vcsim import PASSWORD, USERNAME, VcsimServer, available, build_vcsim, start_vcsim

__all__ = ["PASSWORD", "USERNAME", "VcsimServer", "available", "build_vcsim", "start_vcsim"]
