/*
 * sectrigger: performs exactly one security-relevant action and reports it.
 *
 *   sectrigger [-d DIR] ACTION [ARGS...]
 *
 * Prints one line `ok ACTION ret=<ret> errno=<errno>[ key=value...]` and
 * exits 0, also when the system call fails (the agent records failures too).
 * `ret` and `errno` belong to the action's main system call (the last one of
 * a chain, e.g. accept4 for tcp4-listen). When an earlier step fails, the
 * action stops there and reports that step's result plus `step=<syscall>`.
 * Bad usage exits 2 with a message on stderr.
 *
 * DIR (default /tmp) is the scratch directory: relative path arguments are
 * joined to it, absolute ones are used as given. Exceptions: symlink TARGETs
 * are stored verbatim, and the NAMEs of open-rel and read-rel (which chdir to
 * DIR first) and read-root-rel (which chdirs to /) stay as given.
 *
 * Calls are made with syscall(SYS_x, ...) so glibc cannot swap in another
 * system call. Where an architecture lacks a legacy call (open, unlink,
 * rename, chmod, chown, link, symlink, accept: absent on aarch64), the *at
 * variant is used and `fallback=<syscall>` is appended.
 *
 * Nothing outlives the process: credential and namespace changes apply to
 * this process only, and mounts happen in a private mount namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* Result of one system call: its return value and errno (0 on success). */
struct res {
    long ret;
    int err;
};

static struct res capture(long ret) {
    struct res r = {ret, ret < 0 ? errno : 0};
    return r;
}

#define SC(...) capture(syscall(__VA_ARGS__))

static const char *scratch = "/tmp";
static char extras[1024];

/* Appends ` key=value` text to the report line. */
__attribute__((format(printf, 1, 2))) static void extra(const char *fmt, ...) {
    size_t len = strlen(extras);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(extras + len, sizeof extras - len, fmt, ap);
    va_end(ap);
}

/* Records that the chain stopped at `step` and passes its result on. */
static struct res step(const char *name, struct res r) {
    extra(" step=%s", name);
    return r;
}

__attribute__((noreturn)) static void usage_exit(const char *msg, const char *arg) {
    fprintf(stderr, "sectrigger: %s%s\n", msg, arg ? arg : "");
    exit(2);
}

/* Relative paths are taken inside the scratch directory. */
static const char *path_arg(const char *p) {
    if (p[0] == '/') return p;
    size_t len = strlen(scratch) + strlen(p) + 2;
    char *out = malloc(len);
    if (!out) usage_exit("out of memory", NULL);
    snprintf(out, len, "%s/%s", scratch, p);
    return out;
}

static long num_arg(const char *s, int base, long min, long max) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, base);
    if (errno || *s == '\0' || *end != '\0' || v < min || v > max) usage_exit("bad number: ", s);
    return v;
}

static uint16_t port_arg(const char *s) { return (uint16_t)num_arg(s, 10, 0, 65535); }
static mode_t mode_arg(const char *s) { return (mode_t)num_arg(s, 8, 0, 07777); }
/* -1 means "unchanged" for the chown family and the set*id calls. */
static long id_arg(const char *s) { return num_arg(s, 10, -1, 0xfffffffeL); }

static void sleep_until_killed(void) {
    alarm(60); /* never outlive a parent that died before killing us */
    for (;;) pause();
}

/* ---- files --------------------------------------------------------------- */

static struct res open_close(const char *path, int flags, mode_t mode) {
    struct res r = SC(SYS_openat, AT_FDCWD, path, flags, mode);
    if (r.ret >= 0) close((int)r.ret);
    return r;
}

static struct res do_open_read(char **a) { return open_close(path_arg(a[0]), O_RDONLY, 0); }

static struct res do_open_write(char **a) { return open_close(path_arg(a[0]), O_WRONLY | O_CREAT | O_TRUNC, 0644); }

static struct res do_open_rel(char **a) {
    struct res r = SC(SYS_chdir, scratch);
    if (r.ret < 0) return step("chdir", r);
    return open_close(a[0], O_WRONLY | O_CREAT, 0644);
}

static struct res do_read_rel(char **a) {
    struct res r = SC(SYS_chdir, scratch);
    if (r.ret < 0) return step("chdir", r);
    return open_close(a[0], O_RDONLY, 0);
}

static struct res do_read_root_rel(char **a) {
    struct res r = SC(SYS_chdir, "/");
    if (r.ret < 0) return step("chdir", r);
    return open_close(a[0], O_RDONLY, 0);
}

static struct res do_open2(char **a) {
    struct open_how how = {.flags = O_WRONLY | O_CREAT, .mode = 0644, .resolve = 0};
    struct res r = SC(SYS_openat2, AT_FDCWD, path_arg(a[0]), &how, sizeof how);
    if (r.ret >= 0) close((int)r.ret);
    return r;
}

static struct res do_open_legacy(char **a) {
#ifdef SYS_open
    struct res r = SC(SYS_open, path_arg(a[0]), O_WRONLY | O_CREAT, 0644);
    if (r.ret >= 0) close((int)r.ret);
    return r;
#else
    extra(" fallback=openat");
    return open_close(path_arg(a[0]), O_WRONLY | O_CREAT, 0644);
#endif
}

static struct res do_unlink(char **a) {
#ifdef SYS_unlink
    return SC(SYS_unlink, path_arg(a[0]));
#else
    extra(" fallback=unlinkat");
    return SC(SYS_unlinkat, AT_FDCWD, path_arg(a[0]), 0);
#endif
}

static struct res do_unlinkat(char **a) { return SC(SYS_unlinkat, AT_FDCWD, path_arg(a[0]), 0); }

static struct res do_rename(char **a) {
#ifdef SYS_rename
    return SC(SYS_rename, path_arg(a[0]), path_arg(a[1]));
#else
    extra(" fallback=renameat2");
    return SC(SYS_renameat2, AT_FDCWD, path_arg(a[0]), AT_FDCWD, path_arg(a[1]), 0);
#endif
}

static struct res do_renameat2(char **a) {
    return SC(SYS_renameat2, AT_FDCWD, path_arg(a[0]), AT_FDCWD, path_arg(a[1]), 0);
}

static struct res do_chmod(char **a) {
#ifdef SYS_chmod
    return SC(SYS_chmod, path_arg(a[0]), mode_arg(a[1]));
#else
    extra(" fallback=fchmodat");
    return SC(SYS_fchmodat, AT_FDCWD, path_arg(a[0]), mode_arg(a[1]));
#endif
}

static struct res do_fchmodat(char **a) { return SC(SYS_fchmodat, AT_FDCWD, path_arg(a[0]), mode_arg(a[1])); }

static struct res do_fchmod(char **a) {
    mode_t mode = mode_arg(a[1]);
    struct res fd = SC(SYS_openat, AT_FDCWD, path_arg(a[0]), O_RDONLY, 0);
    if (fd.ret < 0) return step("openat", fd);
    struct res r = SC(SYS_fchmod, (int)fd.ret, mode);
    close((int)fd.ret);
    return r;
}

static struct res do_chown(char **a) {
    long uid = id_arg(a[1]), gid = id_arg(a[2]);
#ifdef SYS_chown
    return SC(SYS_chown, path_arg(a[0]), (uid_t)uid, (gid_t)gid);
#else
    extra(" fallback=fchownat");
    return SC(SYS_fchownat, AT_FDCWD, path_arg(a[0]), (uid_t)uid, (gid_t)gid, 0);
#endif
}

static struct res do_fchownat(char **a) {
    long uid = id_arg(a[1]), gid = id_arg(a[2]);
    return SC(SYS_fchownat, AT_FDCWD, path_arg(a[0]), (uid_t)uid, (gid_t)gid, 0);
}

static struct res do_link(char **a) {
#ifdef SYS_link
    return SC(SYS_link, path_arg(a[0]), path_arg(a[1]));
#else
    extra(" fallback=linkat");
    return SC(SYS_linkat, AT_FDCWD, path_arg(a[0]), AT_FDCWD, path_arg(a[1]), 0);
#endif
}

static struct res do_linkat(char **a) {
    return SC(SYS_linkat, AT_FDCWD, path_arg(a[0]), AT_FDCWD, path_arg(a[1]), 0);
}

static struct res do_symlink(char **a) {
#ifdef SYS_symlink
    return SC(SYS_symlink, a[0], path_arg(a[1]));
#else
    extra(" fallback=symlinkat");
    return SC(SYS_symlinkat, a[0], AT_FDCWD, path_arg(a[1]));
#endif
}

static struct res do_symlinkat(char **a) { return SC(SYS_symlinkat, a[0], AT_FDCWD, path_arg(a[1])); }

static struct res do_truncate(char **a) {
    long len = num_arg(a[1], 10, 0, 1L << 30);
    return SC(SYS_truncate, path_arg(a[0]), len);
}

static struct res do_ftruncate(char **a) {
    long len = num_arg(a[1], 10, 0, 1L << 30);
    struct res fd = SC(SYS_openat, AT_FDCWD, path_arg(a[0]), O_WRONLY, 0);
    if (fd.ret < 0) return step("openat", fd);
    struct res r = SC(SYS_ftruncate, (int)fd.ret, len);
    close((int)fd.ret);
    return r;
}

/* ---- network (loopback only) --------------------------------------------- */

static int local_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -1;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

static socklen_t loopback(int family, uint16_t port, struct sockaddr_storage *ss) {
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        s6->sin6_addr = in6addr_loopback;
        return sizeof *s6;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof *s4;
}

/*
 * socket, bind, listen on the loopback address; then a second socket connects
 * to it and the listener accepts (accept4, or accept when `legacy`).
 */
static struct res listen_connect_accept(int family, uint16_t port, int legacy) {
    struct sockaddr_storage ss;
    socklen_t len = loopback(family, port, &ss);
    struct res srv = SC(SYS_socket, family, SOCK_STREAM, 0);
    if (srv.ret < 0) return step("socket", srv);
    int s = (int)srv.ret;
    struct res r = SC(SYS_bind, s, &ss, len);
    if (r.ret < 0) return step("bind", r);
    r = SC(SYS_listen, s, 8);
    if (r.ret < 0) return step("listen", r);
    int bound = local_port(s);
    extra(" port=%d", bound);
    len = loopback(family, (uint16_t)bound, &ss);
    struct res cli = SC(SYS_socket, family, SOCK_STREAM, 0);
    if (cli.ret < 0) return step("socket", cli);
    r = SC(SYS_connect, (int)cli.ret, &ss, len);
    if (r.ret < 0) return step("connect", r);
    extra(" peer_port=%d", local_port((int)cli.ret));
#ifdef SYS_accept
    if (legacy) return SC(SYS_accept, s, NULL, NULL);
#else
    if (legacy) extra(" fallback=accept4");
#endif
    return SC(SYS_accept4, s, NULL, NULL, SOCK_CLOEXEC);
}

static struct res do_tcp4_listen(char **a) { return listen_connect_accept(AF_INET, port_arg(a[0]), 0); }

static struct res do_tcp6_listen(char **a) { return listen_connect_accept(AF_INET6, port_arg(a[0]), 0); }

static struct res do_accept_legacy(char **a) {
    (void)a;
    return listen_connect_accept(AF_INET, 0, 1);
}

static struct res do_unix_listen(char **a) {
    const char *path = path_arg(a[0]);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path) usage_exit("unix socket path too long: ", path);
    strcpy(sun.sun_path, path);
    struct res srv = SC(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    if (srv.ret < 0) return step("socket", srv);
    struct res r = SC(SYS_bind, (int)srv.ret, &sun, sizeof sun);
    if (r.ret < 0) return step("bind", r);
    r = SC(SYS_listen, (int)srv.ret, 8);
    if (r.ret < 0) return step("listen", r);
    struct res cli = SC(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    if (cli.ret < 0) return step("socket", cli);
    r = SC(SYS_connect, (int)cli.ret, &sun, sizeof sun);
    if (r.ret < 0) return step("connect", r);
    return SC(SYS_accept4, (int)srv.ret, NULL, NULL, SOCK_CLOEXEC);
}

static struct res do_connect4(char **a) {
    struct sockaddr_storage ss;
    socklen_t len = loopback(AF_INET, port_arg(a[0]), &ss);
    struct res fd = SC(SYS_socket, AF_INET, SOCK_STREAM, 0);
    if (fd.ret < 0) return step("socket", fd);
    struct res r = SC(SYS_connect, (int)fd.ret, &ss, len);
    extra(" local_port=%d", local_port((int)fd.ret));
    return r;
}

static struct res do_udp4_bind(char **a) {
    struct sockaddr_storage ss;
    socklen_t len = loopback(AF_INET, port_arg(a[0]), &ss);
    struct res fd = SC(SYS_socket, AF_INET, SOCK_DGRAM, 0);
    if (fd.ret < 0) return step("socket", fd);
    struct res r = SC(SYS_bind, (int)fd.ret, &ss, len);
    if (r.ret == 0) extra(" port=%d", local_port((int)fd.ret));
    return r;
}

/* ---- privileges and isolation -------------------------------------------- */

static struct res do_setuid(char **a) { return SC(SYS_setuid, (uid_t)id_arg(a[0])); }
static struct res do_setgid(char **a) { return SC(SYS_setgid, (gid_t)id_arg(a[0])); }
static struct res do_setreuid(char **a) { return SC(SYS_setreuid, (uid_t)id_arg(a[0]), (uid_t)id_arg(a[1])); }

static struct res do_setresuid(char **a) {
    return SC(SYS_setresuid, (uid_t)id_arg(a[0]), (uid_t)id_arg(a[1]), (uid_t)id_arg(a[2]));
}

static struct res do_setresgid(char **a) {
    return SC(SYS_setresgid, (gid_t)id_arg(a[0]), (gid_t)id_arg(a[1]), (gid_t)id_arg(a[2]));
}

/* setfsuid never fails: it returns the previous fsuid. */
static struct res do_setfsuid(char **a) { return SC(SYS_setfsuid, (uid_t)id_arg(a[0])); }

static struct res do_capset_drop(char **a) {
    (void)a;
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    struct res r = SC(SYS_capget, &hdr, data);
    if (r.ret < 0) return step("capget", r);
    extra(" cap_eff=0x%08x%08x", data[1].effective, data[0].effective);
    data[0].effective &= ~(1U << CAP_SYS_ADMIN);
    return SC(SYS_capset, &hdr, data);
}

static struct res do_unshare_net(char **a) {
    (void)a;
    return SC(SYS_unshare, CLONE_NEWNET);
}

static struct res do_unshare_user(char **a) {
    (void)a;
    return SC(SYS_unshare, CLONE_NEWUSER);
}

static struct res do_setns(char **a) {
    struct res fd = SC(SYS_openat, AT_FDCWD, path_arg(a[0]), O_RDONLY | O_CLOEXEC, 0);
    if (fd.ret < 0) return step("openat", fd);
    return SC(SYS_setns, (int)fd.ret, 0);
}

/*
 * A private mount namespace, so nothing below reaches the host's mounts.
 * Returns 0, or -1 with the failing step recorded in *r.
 */
static int private_mounts(struct res *r) {
    *r = SC(SYS_unshare, CLONE_NEWNS);
    if (r->ret < 0) {
        *r = step("unshare", *r);
        return -1;
    }
    *r = SC(SYS_mount, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    if (r->ret < 0) {
        *r = step("mount-private", *r);
        return -1;
    }
    return 0;
}

static struct res do_mount_tmpfs(char **a) {
    const char *dir = path_arg(a[0]);
    struct res r;
    if (private_mounts(&r) < 0) return r;
    r = SC(SYS_mount, "sysotel-tmpfs", dir, "tmpfs", 0, "size=1m");
    if (r.ret == 0) {
        struct res u = SC(SYS_umount2, dir, 0);
        extra(" umount_ret=%ld umount_errno=%d", u.ret, u.err);
    }
    return r;
}

static struct res do_umount(char **a) {
    const char *dir = path_arg(a[0]);
    struct res r;
    if (private_mounts(&r) < 0) return r;
    return SC(SYS_umount2, dir, 0);
}

static struct res do_pivot_root(char **a) {
    const char *new_root = path_arg(a[0]), *put_old = path_arg(a[1]);
    struct res r;
    if (private_mounts(&r) < 0) return r;
    return SC(SYS_pivot_root, new_root, put_old);
}

static struct res do_chroot(char **a) { return SC(SYS_chroot, path_arg(a[0])); }

/* ---- kernel and tracing --------------------------------------------------- */

static const char module_params[] = "sysotel_test=1";

static struct res do_init_module(char **a) {
    (void)a;
    /* An ELF magic followed by zeros: never a loadable module. */
    static const unsigned char image[64] = {0x7f, 'E', 'L', 'F'};
    return SC(SYS_init_module, image, sizeof image, module_params);
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static struct res do_finit_module(char **a) {
    const char *path = path_arg(a[0]);
    if (strstr(path, ".ko") && (ends_with(path, ".ko") || strstr(path, ".ko."))) {
        usage_exit("refusing to load what looks like a kernel module: ", path);
    }
    struct res fd = SC(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
    if (fd.ret < 0) return step("openat", fd);
    return SC(SYS_finit_module, (int)fd.ret, module_params, 0);
}

/* Refuses to unload a module that /proc/modules lists as loaded. */
static struct res do_delete_module(char **a) {
    FILE *f = fopen("/proc/modules", "r");
    if (f) {
        char line[512];
        size_t n = strlen(a[0]);
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, a[0], n) == 0 && line[n] == ' ') usage_exit("refusing to unload loaded module ", a[0]);
        }
        fclose(f);
    }
    return SC(SYS_delete_module, a[0], O_NONBLOCK);
}

static struct res do_bpf_prog_load(char **a) {
    (void)a;
    struct bpf_insn insns[2] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    static const char license[] = "GPL";
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insn_cnt = 2;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.license = (uint64_t)(uintptr_t)license;
    strncpy(attr.prog_name, "sysotel_trig", sizeof attr.prog_name - 1);
    return SC(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
}

static struct res do_bpf_map_create(char **a) {
    (void)a;
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    strncpy(attr.map_name, "sysotel_trig", sizeof attr.map_name - 1);
    return SC(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
}

/* A child that waits to be killed; its pid is reported as `child=`. */
static struct res fork_sleeper(pid_t *pid) {
    struct res r = capture(fork());
    if (r.ret == 0) sleep_until_killed();
    if (r.ret > 0) extra(" child=%ld", r.ret);
    *pid = (pid_t)r.ret;
    return r;
}

static void kill_and_reap(pid_t pid) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static struct res do_ptrace_attach(char **a) {
    (void)a;
    pid_t pid;
    struct res f = fork_sleeper(&pid);
    if (f.ret < 0) return step("fork", f);
    struct res r = SC(SYS_ptrace, PTRACE_ATTACH, pid, NULL, NULL);
    if (r.ret == 0) {
        waitpid(pid, NULL, 0);
        syscall(SYS_ptrace, PTRACE_DETACH, pid, NULL, NULL);
    }
    kill_and_reap(pid);
    return r;
}

/* The child calls PTRACE_TRACEME and exits with 0 or its errno. */
static struct res do_ptrace_traceme(char **a) {
    (void)a;
    struct res f = capture(fork());
    if (f.ret < 0) return step("fork", f);
    if (f.ret == 0) _exit(syscall(SYS_ptrace, PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 0 : errno);
    extra(" child=%ld", f.ret);
    int status = 0;
    waitpid((pid_t)f.ret, &status, 0);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
    struct res r = {code ? -1 : 0, code};
    return r;
}

/* Same address in parent and child after fork. */
static char vm_target[8] = "sysotel";

static struct res vm_rw(int write) {
    pid_t pid;
    struct res f = fork_sleeper(&pid);
    if (f.ret < 0) return step("fork", f);
    char local[8] = "SYSOTEL";
    struct iovec liov = {local, sizeof local}, riov = {vm_target, sizeof vm_target};
    extra(" addr=%p", (void *)vm_target);
    struct res r = write ? SC(SYS_process_vm_writev, pid, &liov, 1, &riov, 1, 0)
                         : SC(SYS_process_vm_readv, pid, &liov, 1, &riov, 1, 0);
    kill_and_reap(pid);
    return r;
}

static struct res do_vm_readv(char **a) {
    (void)a;
    return vm_rw(0);
}

static struct res do_vm_writev(char **a) {
    (void)a;
    return vm_rw(1);
}

/* ---- fileless execution and evasion --------------------------------------- */

static int copy_self(int dst) {
    static char buf[65536];
    int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0) return -1;
    ssize_t n;
    while ((n = read(src, buf, sizeof buf)) > 0) {
        if (write(dst, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    }
    close(src);
    return n < 0 ? -1 : 0;
}

/* execveat(fd, "", [argv0, "noop"], AT_EMPTY_PATH); noop then reports `via=`. */
static struct res exec_fd(int fd, const char *argv0, const char *via) {
    char env[64];
    snprintf(env, sizeof env, "SECTRIGGER_VIA=%s", via);
    char *const argv[] = {(char *)argv0, "noop", NULL};
    char *const envp[] = {env, NULL};
    return SC(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
}

static struct res do_memfd(char **a) { return SC(SYS_memfd_create, a[0], MFD_CLOEXEC); }

static struct res do_memfd_exec(char **a) {
    struct res fd = SC(SYS_memfd_create, a[0], 0);
    if (fd.ret < 0) return step("memfd_create", fd);
    if (copy_self((int)fd.ret) < 0) return step("copy", capture(-1));
    return exec_fd((int)fd.ret, a[0], "memfd-exec");
}

static struct res do_deleted_exec(char **a) {
    (void)a;
    const char *path = path_arg("sectrigger-del");
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (out < 0) return step("copy", capture(-1));
    int copied = copy_self(out);
    close(out);
    if (copied < 0) return step("copy", capture(-1));
    struct res fd = SC(SYS_openat, AT_FDCWD, path, O_RDONLY, 0);
    if (fd.ret < 0) return step("openat", fd);
    struct res r = SC(SYS_unlinkat, AT_FDCWD, path, 0);
    if (r.ret < 0) return step("unlinkat", r);
    return exec_fd((int)fd.ret, "sectrigger-del", "deleted-exec");
}

static struct res do_prctl_name(char **a) { return SC(SYS_prctl, PR_SET_NAME, a[0], 0, 0, 0); }

static struct res do_kill_other(char **a) {
    (void)a;
    pid_t pid;
    struct res f = fork_sleeper(&pid);
    if (f.ret < 0) return step("fork", f);
    struct res r = SC(SYS_kill, pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return r;
}

static struct res do_tkill_other(char **a) {
    (void)a;
    pid_t pid;
    struct res f = fork_sleeper(&pid);
    if (f.ret < 0) return step("fork", f);
    struct res r = SC(SYS_tgkill, pid, pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return r;
}

static struct res do_kill_self0(char **a) {
    (void)a;
    return SC(SYS_kill, getpid(), 0);
}

static struct res do_noop(char **a) {
    (void)a;
    const char *via = getenv("SECTRIGGER_VIA");
    if (via) extra(" via=%s", via);
    struct res r = {0, 0};
    return r;
}

static struct res do_list(char **a);

struct action {
    const char *name;
    int nargs;
    const char *args;
    struct res (*run)(char **args);
};

/* Keep in sync with ACTIONS in triggers.rs (a unit test compares them). */
static const struct action actions[] = {
    {"open-read", 1, "PATH", do_open_read},
    {"open-write", 1, "PATH", do_open_write},
    {"open-rel", 1, "NAME", do_open_rel},
    {"read-rel", 1, "NAME", do_read_rel},
    {"read-root-rel", 1, "NAME", do_read_root_rel},
    {"open2", 1, "PATH", do_open2},
    {"open-legacy", 1, "PATH", do_open_legacy},
    {"unlink", 1, "PATH", do_unlink},
    {"unlinkat", 1, "PATH", do_unlinkat},
    {"rename", 2, "OLD NEW", do_rename},
    {"renameat2", 2, "OLD NEW", do_renameat2},
    {"chmod", 2, "PATH MODE_OCTAL", do_chmod},
    {"fchmodat", 2, "PATH MODE_OCTAL", do_fchmodat},
    {"fchmod", 2, "PATH MODE_OCTAL", do_fchmod},
    {"chown", 3, "PATH UID GID", do_chown},
    {"fchownat", 3, "PATH UID GID", do_fchownat},
    {"link", 2, "OLD NEW", do_link},
    {"linkat", 2, "OLD NEW", do_linkat},
    {"symlink", 2, "TARGET NEW", do_symlink},
    {"symlinkat", 2, "TARGET NEW", do_symlinkat},
    {"truncate", 2, "PATH LEN", do_truncate},
    {"ftruncate", 2, "PATH LEN", do_ftruncate},
    {"tcp4-listen", 1, "PORT", do_tcp4_listen},
    {"tcp6-listen", 1, "PORT", do_tcp6_listen},
    {"unix-listen", 1, "PATH", do_unix_listen},
    {"connect4", 1, "PORT", do_connect4},
    {"udp4-bind", 1, "PORT", do_udp4_bind},
    {"accept-legacy", 0, "", do_accept_legacy},
    {"setuid", 1, "UID", do_setuid},
    {"setgid", 1, "GID", do_setgid},
    {"setreuid", 2, "RUID EUID", do_setreuid},
    {"setresuid", 3, "RUID EUID SUID", do_setresuid},
    {"setresgid", 3, "RGID EGID SGID", do_setresgid},
    {"setfsuid", 1, "UID", do_setfsuid},
    {"capset-drop", 0, "", do_capset_drop},
    {"unshare-net", 0, "", do_unshare_net},
    {"unshare-user", 0, "", do_unshare_user},
    {"setns", 1, "PATH", do_setns},
    {"mount-tmpfs", 1, "DIR", do_mount_tmpfs},
    {"umount", 1, "DIR", do_umount},
    {"pivot-root", 2, "NEW OLD", do_pivot_root},
    {"chroot", 1, "DIR", do_chroot},
    {"init-module", 0, "", do_init_module},
    {"finit-module", 1, "PATH", do_finit_module},
    {"delete-module", 1, "NAME", do_delete_module},
    {"bpf-prog-load", 0, "", do_bpf_prog_load},
    {"bpf-map-create", 0, "", do_bpf_map_create},
    {"ptrace-attach", 0, "", do_ptrace_attach},
    {"ptrace-traceme", 0, "", do_ptrace_traceme},
    {"vm-readv", 0, "", do_vm_readv},
    {"vm-writev", 0, "", do_vm_writev},
    {"memfd", 1, "NAME", do_memfd},
    {"memfd-exec", 1, "NAME", do_memfd_exec},
    {"deleted-exec", 0, "", do_deleted_exec},
    {"prctl-name", 1, "NAME", do_prctl_name},
    {"kill-other", 0, "", do_kill_other},
    {"tkill-other", 0, "", do_tkill_other},
    {"kill-self0", 0, "", do_kill_self0},
    {"noop", 0, "", do_noop},
    {"list", 0, "", do_list},
};

#define N_ACTIONS (sizeof actions / sizeof actions[0])

static struct res do_list(char **a) {
    (void)a;
    for (size_t i = 0; i < N_ACTIONS; i++) printf("%s\n", actions[i].name);
    exit(0);
}

__attribute__((noreturn)) static void usage(void) {
    fprintf(stderr, "usage: sectrigger [-d DIR] ACTION [ARGS]\nactions:\n");
    for (size_t i = 0; i < N_ACTIONS; i++) fprintf(stderr, "  %s %s\n", actions[i].name, actions[i].args);
    exit(2);
}

int main(int argc, char **argv) {
    int i = 1;
    while (i < argc && strcmp(argv[i], "-d") == 0) {
        if (i + 1 >= argc) usage();
        scratch = argv[i + 1];
        i += 2;
    }
    if (i >= argc) usage();
    const char *name = argv[i];
    int nargs = argc - i - 1;
    for (size_t k = 0; k < N_ACTIONS; k++) {
        if (strcmp(actions[k].name, name) != 0) continue;
        if (nargs != actions[k].nargs) {
            fprintf(stderr, "usage: sectrigger [-d DIR] %s %s\n", name, actions[k].args);
            return 2;
        }
        struct res r = actions[k].run(argv + i + 1);
        printf("ok %s ret=%ld errno=%d%s\n", name, r.ret, r.err, extras);
        return 0;
    }
    fprintf(stderr, "sectrigger: unknown action %s\n", name);
    usage();
}
