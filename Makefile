# AccessHooks: make demo | make test | make bench | make install
# Everything builds into build/ (ignored by git): build/modules/mod_dotnet.so and, beside it,
# build/modules/mod_dotnet/ with the managed host, the layout `make install` reproduces.

SHELL      := /bin/bash
CONFIG     ?= Release
BUILD      := $(CURDIR)/build
MODULES    := $(BUILD)/modules
HOST_OUT   := $(MODULES)/mod_dotnet
DOTNET     ?= dotnet
APXS       ?= apxs
# The host is published ReadyToRun for this machine's architecture: precompiled code is
# file-backed and shared by every child, and a fresh child's first request JITs less
# (docs/performance.md has the measurements).
RID        ?= linux-$(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x64)
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all bootstrap build native host managed pack deb deb-check fuzz test unit-test integration-test demo bench install clean

all: build

bootstrap:
	@bash scripts/bootstrap

build: bootstrap native managed

native:
	$(MAKE) -C src/Hooks.Native OUT=$(MODULES) APXS=$(APXS)

# The managed host alone (what the module loads), without the tests and samples: for make deb.
host:
	rm -rf $(HOST_OUT)
	$(DOTNET) publish src/Hooks.Host/Hooks.Host.csproj -c $(CONFIG) -nologo -v:q -r $(RID) --self-contained false \
	    -p:PublishReadyToRun=true -o $(HOST_OUT)

managed:
	$(DOTNET) build AccessHooks.sln -c $(CONFIG) -nologo -v:q
	rm -rf $(HOST_OUT)
	$(DOTNET) publish src/Hooks.Host/Hooks.Host.csproj -c $(CONFIG) -nologo -v:q -r $(RID) --self-contained false \
	    -p:PublishReadyToRun=true -o $(HOST_OUT)
	$(DOTNET) publish samples/Shop/Shop.csproj -c $(CONFIG) -nologo -v:q --no-build -o $(BUILD)/samples/Shop

# NuGet packages (.nupkg + .snupkg) of the abstractions and the providers, and the dotnet new
# templates, into build/packages.
PACKAGES   := $(BUILD)/packages
PACKED     := src/Hooks.Abstractions/Hooks.Abstractions.csproj src/Providers/Common/Providers.Common.csproj \
              src/Providers/Htpasswd/Providers.Htpasswd.csproj src/Providers/GroupFile/Providers.GroupFile.csproj \
              src/Providers/Ldap/Providers.Ldap.csproj templates/AccessHooks.Templates.csproj
pack: bootstrap
	rm -rf $(PACKAGES)
	for p in $(PACKED); do $(DOTNET) pack $$p -c $(CONFIG) -nologo -v:q -o $(PACKAGES) || exit 1; done
	@ls -1 $(PACKAGES)

# Every test: unit (xunit + Moq) and integration (real Apache, slapd, memcached).
# Ends with one summary line "N passed, N failed, N skipped"; non-zero exit on any failure.
test: build
	@bash scripts/run-tests $(CONFIG)

demo: build
	@bash scripts/demo

bench: build
	@bash bench/run

# DESTDIR is honoured. After it, LoadModule dotnet_module .../mod_dotnet.so needs nothing else.
install: build
	@bash scripts/install "$(DESTDIR)"

# libFuzzer on the daemon wire's parsers (10 minutes per target; make test runs 20 s each).
fuzz: bootstrap
	@SECONDS_PER_TARGET=$${SECONDS_PER_TARGET:-600} bash fuzz/run

# The Debian package libapache2-mod-dotnet, into build/deb/ (built from a copy of the source).
deb: bootstrap
	@bash scripts/deb

# Installs that package into a throwaway Debian root (debootstrap), enables it, runs configtest,
# serves one protected request and purges it; never touches this machine's Apache.
deb-check: deb
	@bash scripts/deb-check

clean:
	rm -rf $(BUILD)
	$(MAKE) -C src/Hooks.Native clean
	$(DOTNET) clean AccessHooks.sln -c $(CONFIG) -nologo -v:q || true
