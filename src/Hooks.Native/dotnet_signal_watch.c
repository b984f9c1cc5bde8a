/*
 * Counting the runtime's signal-handler installs, so that the guard after every managed call
 * (dotnet_signals_guard) can tell "nothing changed" without asking the kernel.
 *
 * The guard keeps Apache's handlers for its control signals in place whenever Apache code runs.
 * Asking the kernel (two sigaction queries a call) cost ~2% of a hook request on this machine's
 * profile, the largest single item of the dotnet path. Only the runtime's own libraries install
 * handlers the guard must undo (it restores nothing else: see is_runtime_handler), and they
 * install through their imports of sigaction and signal. So, once the runtime has started, the
 * imports of those libraries are pointed at wrappers that call libc's function and then count
 * the install; the guard asks the kernel only when the count moved. The wrappers are
 * async-signal-safe (one atomic add), since the runtime may call sigaction in a signal handler.
 *
 * If anything here cannot be done (a library not found, a layout not understood, an
 * architecture not known), nothing is patched and the guard keeps asking the kernel each time.
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

#if defined(__x86_64__)
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT  R_X86_64_GLOB_DAT
#elif defined(__aarch64__)
#define R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define R_GLOB_DAT  R_AARCH64_GLOB_DAT
#endif

static unsigned long installs;   /* runtime installs seen by the wrappers */
static int watching;             /* 1 once every runtime library's imports point at the wrappers */

/* The runtime libraries that import sigaction or signal (libmscordaccore, the debugger's, is
   never loaded into a child). */
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

unsigned long dotnet_signal_watch_installs(void)
{
    return __atomic_load_n(&installs, __ATOMIC_ACQUIRE);
}

int dotnet_signal_watch_active(void)
{
    return watching;
}

#if defined(R_JUMP_SLOT)

typedef struct {
    int found[N_LIBRARIES];
    int failed;
} patch_state;

/* Points one GOT slot at a wrapper; the slot may sit in RELRO (read-only after relocation). */
static int patch_slot(void **slot, void *wrapper, int in_relro)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)slot & ~((uintptr_t)page - 1);

    if (*slot == wrapper) {
        return 0;
    }
    if (in_relro && mprotect((void *)start, (size_t)page, PROT_READ | PROT_WRITE) != 0) {
        return -1;
    }
    __atomic_store_n(slot, wrapper, __ATOMIC_RELEASE);
    if (in_relro) {
        mprotect((void *)start, (size_t)page, PROT_READ);
    }
    return 0;
}

/* A dynamic-section address: glibc relocates most of them in place, some loaders do not. */
static uintptr_t dyn_addr(const struct dl_phdr_info *info, ElfW(Addr) value)
{
    return value < info->dlpi_addr ? info->dlpi_addr + value : value;
}

static int patch_relocations(const struct dl_phdr_info *info, const ElfW(Rela) *rela, size_t count,
                             const ElfW(Sym) *symtab, const char *strtab,
                             uintptr_t relro_start, uintptr_t relro_end)
{
    size_t i;

    for (i = 0; i < count; i++) {
        unsigned long type = ELF64_R_TYPE(rela[i].r_info);
        const char *name;
        void *wrapper;
        uintptr_t slot;

        if (type != R_JUMP_SLOT && type != R_GLOB_DAT) {
            continue;
        }
        name = strtab + symtab[ELF64_R_SYM(rela[i].r_info)].st_name;
        if (strcmp(name, "sigaction") == 0) {
            wrapper = (void *)counting_sigaction;
        }
        else if (strcmp(name, "signal") == 0) {
            wrapper = (void *)counting_signal;
        }
        else {
            continue;
        }
        slot = info->dlpi_addr + rela[i].r_offset;
        if (patch_slot((void **)slot, wrapper, slot >= relro_start && slot < relro_end) != 0) {
            return -1;
        }
    }
    return 0;
}

static int patch_object(struct dl_phdr_info *info, size_t size, void *data)
{
    patch_state *state = data;
    const ElfW(Dyn) *dyn = NULL;
    const ElfW(Rela) *jmprel = NULL, *rela = NULL;
    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL, *base;
    size_t jmprel_size = 0, rela_size = 0, i;
    uintptr_t relro_start = 0, relro_end = 0;
    long pltrel = DT_RELA;
    int which = -1;

    (void)size;
    if (info->dlpi_name == NULL) {
        return 0;
    }
    base = strrchr(info->dlpi_name, '/');
    base = base ? base + 1 : info->dlpi_name;
    for (i = 0; i < N_LIBRARIES; i++) {
        if (strcmp(base, runtime_libraries[i]) == 0) {
            which = (int)i;
        }
    }
    if (which < 0) {
        return 0;
    }
    for (i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_DYNAMIC) {
            dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
        }
        else if (ph->p_type == PT_GNU_RELRO) {
            relro_start = info->dlpi_addr + ph->p_vaddr;
            relro_end = relro_start + ph->p_memsz;
        }
    }
    if (dyn == NULL) {
        state->failed = 1;
        return 0;
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
        default: break;
        }
    }
    if (symtab == NULL || strtab == NULL || pltrel != DT_RELA
        || (jmprel && patch_relocations(info, jmprel, jmprel_size / sizeof(ElfW(Rela)), symtab, strtab,
                                        relro_start, relro_end) != 0)
        || (rela && patch_relocations(info, rela, rela_size / sizeof(ElfW(Rela)), symtab, strtab,
                                      relro_start, relro_end) != 0)) {
        state->failed = 1;
        return 0;
    }
    state->found[which] = 1;
    return 0;
}

int dotnet_signal_watch_start(void)
{
    patch_state state;
    size_t i;

    memset(&state, 0, sizeof(state));
    dl_iterate_phdr(patch_object, &state);
    for (i = 0; i < N_LIBRARIES; i++) {
        if (!state.found[i]) {
            state.failed = 1;
        }
    }
    /* A partial patch still counts some installs; the guard ignores the count unless all held. */
    watching = !state.failed;
    return watching;
}

#else

int dotnet_signal_watch_start(void)
{
    return 0;
}

#endif
