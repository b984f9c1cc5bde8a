/*
 * Counting signal-handler installs, so that the guard after every managed call
 * (dotnet_signals_guard) can tell "nothing changed" without asking the kernel.
 *
 * The guard keeps Apache's handlers for its control signals in place whenever Apache code runs.
 * Asking the kernel (two sigaction queries a call) cost ~2% of a hook request on this machine's
 * profile, the largest single item of the dotnet path. Handlers are installed through the
 * imports of sigaction and signal of the objects in the process: the runtime's libraries
 * (libcoreclr, libclrjit, libSystem.Native) install the ones the guard must undo, Apache (httpd,
 * libapr, the MPM, other modules) the ones it must adopt. So, once the runtime has started, the
 * imports of every loaded object but libc, the dynamic loader and mod_dotnet itself are pointed
 * at wrappers that call libc's function and then count the install; the guard asks the kernel
 * only when the count moved. The wrappers are async-signal-safe (one atomic add), since the
 * runtime may call sigaction in a signal handler. They call libc by name: a tool interposed on
 * sigaction (LD_PRELOAD) is bypassed for the patched objects.
 *
 * If anything here cannot be done (a runtime library not found, a layout not understood, an
 * import of another function that installs handlers, an architecture not known), the count is
 * not trusted and the guard asks the kernel after every call. Slots patched before the failure
 * stay patched; their wrappers only count. An object loaded later (an app's native library) is
 * not patched: a handler it installs is seen at the next full check, where, not being the
 * runtime's, it is adopted as before.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dotnet_signal_watch.h"

#if defined(__linux__) && defined(__x86_64__) && __SIZEOF_POINTER__ == 8
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT  R_X86_64_GLOB_DAT
#elif defined(__linux__) && defined(__aarch64__)
#define R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define R_GLOB_DAT  R_AARCH64_GLOB_DAT
#endif

static unsigned long installs;   /* installs seen by the wrappers */
static int watching;             /* 1 once every import that installs handlers is counted */

unsigned long dotnet_signal_watch_installs(void)
{
    return __atomic_load_n(&installs, __ATOMIC_ACQUIRE);
}

int dotnet_signal_watch_active(void)
{
    return watching;
}

#if defined(R_JUMP_SLOT)

/* The runtime libraries that import sigaction or signal (libmscordaccore, the debugger's, is
   never loaded into a child): the count is trusted only when all three were patched. */
static const char *const runtime_libraries[] = { "libcoreclr.so", "libclrjit.so", "libSystem.Native.so" };
#define N_LIBRARIES (sizeof(runtime_libraries) / sizeof(runtime_libraries[0]))

static int counting_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    int rc = sigaction(sig, act, old);

    if (act != NULL) {
        __atomic_add_fetch(&installs, 1, __ATOMIC_RELEASE);
    }
    return rc;
}

static void (*counting_signal(int sig, void (*handler)(int)))(int)
{
    void (*previous)(int) = signal(sig, handler);

    __atomic_add_fetch(&installs, 1, __ATOMIC_RELEASE);
    return previous;
}

/* Other libc functions that install a handler: an object importing one could do so unseen. */
static int installs_otherwise(const char *name)
{
    static const char *const others[] = { "__sigaction", "sigset", "sysv_signal", "__sysv_signal",
                                           "bsd_signal", "sigvec", "ssignal" };
    size_t i;

    for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        if (strcmp(name, others[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

typedef struct {
    int found[N_LIBRARIES];
    int failed;
    uintptr_t own_code;   /* an address in mod_dotnet: its imports are what the wrappers call */
} patch_state;

/* Points one GOT slot at a wrapper; a slot on a RELRO page is read-only after relocation. */
static int patch_slot(void **slot, void *wrapper, int on_relro_page)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    void *start = (void *)((uintptr_t)slot & ~(page - 1));

    if (*slot == wrapper) {
        return 0;
    }
    if (on_relro_page && mprotect(start, page, PROT_READ | PROT_WRITE) != 0) {
        return -1;
    }
    __atomic_store_n(slot, wrapper, __ATOMIC_RELEASE);
    if (on_relro_page) {
        mprotect(start, page, PROT_READ);
    }
    return 0;
}

/* A dynamic-section address: glibc relocates most of them in place, some loaders do not. */
static uintptr_t dyn_addr(const struct dl_phdr_info *info, ElfW(Addr) value)
{
    return value < info->dlpi_addr ? info->dlpi_addr + value : value;
}

/* 0, or -1 when an import of a handler-installing function cannot be redirected. */
static int patch_relocations(const struct dl_phdr_info *info, const ElfW(Rela) *rela, size_t count,
                             const ElfW(Sym) *symtab, const char *strtab,
                             uintptr_t relro_start, uintptr_t relro_end)
{
    size_t i;

    for (i = 0; i < count; i++) {
        unsigned long type = ELF64_R_TYPE(rela[i].r_info);
        unsigned long sym = ELF64_R_SYM(rela[i].r_info);
        const char *name;
        void *wrapper;
        uintptr_t slot;

        if (sym == 0) {
            continue;
        }
        name = strtab + symtab[sym].st_name;
        if (strcmp(name, "sigaction") == 0) {
            wrapper = (void *)counting_sigaction;
        }
        else if (strcmp(name, "signal") == 0) {
            wrapper = (void *)counting_signal;
        }
        else if (installs_otherwise(name)) {
            return -1;
        }
        else {
            continue;
        }
        if (symtab[sym].st_shndx != SHN_UNDEF) {
            continue;   /* the object's own definition (libc's, were it patched), not an import */
        }
        if (type != R_JUMP_SLOT && type != R_GLOB_DAT) {
            return -1;  /* e.g. the address stored in data: not a slot this can redirect */
        }
        slot = info->dlpi_addr + rela[i].r_offset;
        if (patch_slot((void **)slot, wrapper, slot >= relro_start && slot < relro_end) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Whether one of the object's loaded segments holds addr. */
static int holds(const struct dl_phdr_info *info, uintptr_t addr)
{
    size_t i;

    for (i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && addr >= start && addr < start + ph->p_memsz) {
            return 1;
        }
    }
    return 0;
}

static int skipped(const patch_state *state, const struct dl_phdr_info *info, const char *base)
{
    return holds(info, state->own_code)
        || strncmp(base, "libc.so", 7) == 0 || strncmp(base, "ld-linux", 8) == 0
        || strncmp(base, "ld64.so", 7) == 0 || strncmp(base, "linux-vdso", 10) == 0
        || strncmp(base, "linux-gate", 10) == 0;
}

static int patch_object(struct dl_phdr_info *info, size_t size, void *data)
{
    patch_state *state = data;
    const ElfW(Dyn) *dyn = NULL;
    const ElfW(Rela) *jmprel = NULL, *rela = NULL;
    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL, *name = info->dlpi_name ? info->dlpi_name : "", *base;
    size_t jmprel_size = 0, rela_size = 0, i;
    uintptr_t relro_start = 0, relro_end = 0;
    long pltrel = DT_RELA;
    int which = -1;

    (void)size;
    base = strrchr(name, '/');
    base = base ? base + 1 : name;   /* "" is the main program (httpd): patched too */
    if (skipped(state, info, base)) {
        return 0;
    }
    for (i = 0; i < N_LIBRARIES; i++) {
        if (strcmp(base, runtime_libraries[i]) == 0) {
            which = (int)i;
        }
    }
    for (i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_DYNAMIC) {
            dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
        }
        else if (ph->p_type == PT_GNU_RELRO) {
            /* The pages the loader made read-only: it rounds both ends down, so a partial last
               page stays writable (and must stay so: data follows on it). */
            uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
            relro_start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
            relro_end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(page - 1);
        }
    }
    if (dyn == NULL) {
        return 0;   /* a static object imports nothing */
    }
    for (; dyn->d_tag != DT_NULL; dyn++) {
        switch (dyn->d_tag) {
        case DT_JMPREL:   jmprel = (const ElfW(Rela) *)dyn_addr(info, dyn->d_un.d_ptr); break;
        case DT_PLTRELSZ: jmprel_size = dyn->d_un.d_val; break;
        case DT_PLTREL:   pltrel = (long)dyn->d_un.d_val; break;
        case DT_RELA:     rela = (const ElfW(Rela) *)dyn_addr(info, dyn->d_un.d_ptr); break;
        case DT_RELASZ:   rela_size = dyn->d_un.d_val; break;
        case DT_SYMTAB:   symtab = (const ElfW(Sym) *)dyn_addr(info, dyn->d_un.d_ptr); break;
        case DT_STRTAB:   strtab = (const char *)dyn_addr(info, dyn->d_un.d_ptr); break;
        case DT_REL:      state->failed = 1; break;   /* REL-format relocations: not read here */
        default: break;
        }
    }
    if (symtab == NULL || strtab == NULL) {
        return 0;   /* no dynamic symbols: no imports */
    }
    if (pltrel != DT_RELA
        || (jmprel && patch_relocations(info, jmprel, jmprel_size / sizeof(ElfW(Rela)), symtab, strtab,
                                        relro_start, relro_end) != 0)
        || (rela && patch_relocations(info, rela, rela_size / sizeof(ElfW(Rela)), symtab, strtab,
                                      relro_start, relro_end) != 0)) {
        state->failed = 1;
        return 0;
    }
    if (which >= 0) {
        state->found[which] = 1;
    }
    return 0;
}

int dotnet_signal_watch_start(void)
{
    patch_state state;
    size_t i;

    memset(&state, 0, sizeof(state));
    state.own_code = (uintptr_t)counting_sigaction;
    dl_iterate_phdr(patch_object, &state);
    for (i = 0; i < N_LIBRARIES; i++) {
        if (!state.found[i]) {
            state.failed = 1;
        }
    }
    watching = !state.failed;
    return watching;
}

#else

int dotnet_signal_watch_start(void)
{
    return 0;
}

#endif
