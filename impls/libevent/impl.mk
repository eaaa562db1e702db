# impls/libevent: the system libevent found with pkg-config, or a libevent installed
# under LIBEVENT_PREFIX the way its own `make install` lays it out
# (<prefix>/include/event2/*.h, <prefix>/lib/libevent*.so and/or .a).
#
# An implementation fragment says how to build against it (how it runs, its backends
# among them, is its row in impls/impls.txt). It sets:
#   IMPL_CFLAGS, IMPL_LIBS   how to compile and link a program against it
#   IMPL_DEPS                targets that build the implementation's own library, if any
#   IMPL_ERROR               a one-line reason it cannot be used; reported when it is needed
# LIBS= adds link libraries (e.g. the event library a third-party archive needs).


ifeq ($(LIBEVENT_PREFIX),)
  ifeq ($(shell pkg-config --exists libevent 2>/dev/null && echo yes),yes)
    # The system's own headers: the one implementation whose headers may come from the
    # host's include directories (any other stops at a header it lacks; see Makefile).
    IMPL_CFLAGS := $(shell pkg-config --cflags libevent) -DBC_SYSTEM_LIBEVENT
    IMPL_LIBS := $(shell pkg-config --libs libevent)
  else
    IMPL_ERROR := pkg-config module 'libevent' not found (Debian: libevent-dev; run `make deps`), or set LIBEVENT_PREFIX=<dir>
  endif
else
  libevent_prefix := $(abspath $(LIBEVENT_PREFIX))
  # The library to link: libevent (core + extra) if present, else libevent_core.
  libevent_lib := $(firstword $(foreach n,event event_core,\
	$(if $(wildcard $(libevent_prefix)/lib/lib$(n).so $(libevent_prefix)/lib/lib$(n).a),$(n))))
  ifeq ($(wildcard $(libevent_prefix)/include/event2/event.h),)
    IMPL_ERROR := LIBEVENT_PREFIX=$(LIBEVENT_PREFIX) has no include/event2/event.h
  else ifeq ($(libevent_lib),)
    IMPL_ERROR := LIBEVENT_PREFIX=$(LIBEVENT_PREFIX) has no lib/libevent.so, lib/libevent.a or lib/libevent_core.*
  endif
  IMPL_CFLAGS := -I$(libevent_prefix)/include
  # The rpath makes the prefix's shared library the one used at run time.
  IMPL_LIBS := -L$(libevent_prefix)/lib -Wl,-rpath,$(libevent_prefix)/lib -l$(libevent_lib) $(LIBS)
endif
