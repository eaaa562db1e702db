# impls/awkward: ref made awkward on purpose (impls/awkward/README.md), the implementation
# bevconf's own test (tests/awkward.py) runs to prove the harness copes with a partial,
# differently valued libevent-API layer: a subset of ref, other constant values, a loop
# that ignores EVLOOP_ONCE/NONBLOCK. Built under $(OUT)/awkward with the harness's CC and
# CFLAGS (so SANITIZE=1 covers it). AWKWARD_MUTANT=<name>: with mutants/awkward/<name>.patch.
OUT ?= $(BUILD)/$(IMPL)
awkward_dir := $(OUT)/awkward
AWKWARD_MUTANT ?=
awkward_mutant := $(if $(AWKWARD_MUTANT),mutants/awkward/$(AWKWARD_MUTANT).patch)
ifneq ($(awkward_mutant),)
  ifeq ($(wildcard $(awkward_mutant)),)
    IMPL_ERROR := AWKWARD_MUTANT=$(AWKWARD_MUTANT): no $(awkward_mutant)
  endif
endif
IMPL_CFLAGS := -I$(awkward_dir)/include
IMPL_LIBS := $(awkward_dir)/lib/libevent.a
IMPL_DEPS := $(awkward_dir)/lib/libevent.a

# The mutant the library was built with, rewritten only when it changes (a rebuild then).
awkward_flavour := $(awkward_dir)/mutant.txt
ifneq ($(wildcard $(awkward_flavour))$(shell cat $(awkward_flavour) 2>/dev/null),$(awkward_flavour)$(AWKWARD_MUTANT))
  $(shell mkdir -p $(awkward_dir) && echo '$(AWKWARD_MUTANT)' >$(awkward_flavour))
endif

$(awkward_dir)/lib/libevent.a: impls/awkward/build.sh impls/awkward/headers.py impls/awkward/loop.patch \
		$(wildcard impls/ref/src/*.c impls/ref/src/*.h impls/ref/include/event2/*.h) \
		$(awkward_flavour) $(awkward_mutant)
	impls/awkward/build.sh $(awkward_dir) "$(awkward_mutant)" $(CC) -std=gnu11 $(CFLAGS) $(WARNFLAGS)
