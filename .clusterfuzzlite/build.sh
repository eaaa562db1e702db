#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build.sh, run in the image of ./Dockerfile with the service's
# CC, CFLAGS, LIB_FUZZING_ENGINE, OUT, WORK and SRC. bevconf's own script does the work.
exec "$SRC/bevconf/fuzz/oss-fuzz-build.sh"
