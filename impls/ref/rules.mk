# impls/ref/rules.mk: building ref's library, and installing it the way libevent's own
# `make install` lays itself out, so that `make check LIBEVENT_PREFIX=<dir>` runs it too:
#   make install-ref PREFIX=<dir>
# REF_SRCDIR: where the sources are (tools/mutants.sh points it at a mutated copy).
REF_SRCDIR ?= impls/ref/src
REF_SRC := $(wildcard $(REF_SRCDIR)/*.c)
REF_LIBDIR = $(BUILD)/ref/lib
REF_OBJ = $(patsubst $(REF_SRCDIR)/%.c,$(REF_LIBDIR)/obj/%.o,$(REF_SRC))
REF_CFLAGS = -std=gnu11 $(CFLAGS) $(WARNFLAGS) -Iimpls/ref/include -I$(REF_SRCDIR) -MMD -MP

$(BUILD)/ref/lib/obj/%.o: $(REF_SRCDIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(REF_CFLAGS) -c $< -o $@

$(BUILD)/ref/lib/libevent.a: $(REF_OBJ)
	rm -f $@
	ar rcs $@ $^

.PHONY: install-ref
install-ref: $(BUILD)/ref/lib/libevent.a
	$(if $(PREFIX),,$(error bevconf: install-ref needs PREFIX=<dir>))
	mkdir -p $(PREFIX)/include/event2 $(PREFIX)/lib/pkgconfig
	cp impls/ref/include/event2/*.h $(PREFIX)/include/event2/
	cp $(BUILD)/ref/lib/libevent.a $(PREFIX)/lib/libevent.a
	cp $(BUILD)/ref/lib/libevent.a $(PREFIX)/lib/libevent_core.a
	for pc in libevent libevent_core; do \
		lib=$${pc#lib}; \
		printf '%s\n' "prefix=$(abspath $(PREFIX))" 'libdir=$${prefix}/lib' \
			'includedir=$${prefix}/include' '' "Name: $$pc" \
			"Description: bevconf ref, a libevent 2.1 API subset" 'Version: 2.1.12-stable' \
			"Libs: -L\$${libdir} -l$$lib" 'Cflags: -I$${includedir}' \
			>$(PREFIX)/lib/pkgconfig/$$pc.pc || exit 1; done
