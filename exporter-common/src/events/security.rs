//! `security` records: a security-relevant system call (files, network,
//! privileges, mounts, modules, bpf, ptrace, memfd, prctl, kill) with its
//! arguments, the strings and socket address they point to, and the result.
//!
//! One record shape serves every such call: which arguments are paths,
//! strings or socket addresses is described per syscall number by a
//! [`SecLayout`] that userspace writes into `SYSCALL_SPECS` (see
//! [`crate::syscalls::SyscallSpec`]), so the kernel side is one generic
//! program and the per-syscall knowledge lives in userspace.

use core::mem::size_of;

use crate::event::Event;

/// Bytes kept of each path argument (power of two for verifier masks).
pub const SEC_PATH_MAX: usize = 512;
/// Bytes kept of the short string argument (fstype, module parameters,
/// memfd or task name).
pub const SEC_AUX_MAX: usize = 64;
/// Bytes kept of a socket address (`sockaddr_un` is 110 bytes).
pub const SEC_SOCK_MAX: usize = 128;
/// Path components of `base` walked at most.
pub const SEC_BASE_PARTS: usize = 16;
/// Bytes kept of each `base` component (with its NUL).
pub const SEC_BASE_PART_MAX: usize = 64;

/// `path[0]` was longer than [`SEC_PATH_MAX`] and was cut.
pub const SEC_PATH0_TRUNCATED: u32 = 1 << 0;
/// `path[1]` was cut.
pub const SEC_PATH1_TRUNCATED: u32 = 1 << 1;
/// A string or address the layout asked for could not be read from user
/// memory (bad pointer, or memory paged out).
pub const SEC_READ_FAILED: u32 = 1 << 2;
/// `deref` holds the first 8 bytes behind the layout's `deref` argument.
pub const SEC_DEREF_VALID: u32 = 1 << 3;
/// The open matched a watched path prefix (not only a write flag).
pub const SEC_WATCHED_PATH: u32 = 1 << 4;
/// `base` is the caller's working directory.
pub const SEC_BASE_CWD: u32 = 1 << 5;
/// `base` is the path of the layout's `base_fd` descriptor.
pub const SEC_BASE_FD: u32 = 1 << 6;
/// `base` lost leading components (too deep), or a component was cut.
pub const SEC_BASE_TRUNCATED: u32 = 1 << 7;
/// An open for reading whose path must be resolved before the watched
/// prefixes can be checked (relative, or with a `.`, `..` or empty
/// component: see [`crate::path_shape`]): userspace decides.
pub const SEC_WATCH_UNDECIDED: u32 = 1 << 8;

/// The record is variable-sized: the kernel sends it only up to the end of
/// the last region in use (`base` components, else the second path, else
/// the first), so the fixed part and the short regions come first. Bytes
/// not sent read as zero.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct SecurityData {
    /// Syscall number of the running architecture.
    pub nr: u32,
    /// `SEC_*` bits.
    pub flags: u32,
    /// Return value (negative errno on failure).
    pub ret: i64,
    /// The six raw arguments.
    pub args: [u64; 6],
    /// First 8 bytes behind a pointer argument (`open_how.flags` of
    /// `openat2`, the effective/permitted words of `capset`'s data).
    pub deref: u64,
    /// Valid bytes in each `path` (without NUL).
    pub path_len: [u16; 2],
    /// Valid bytes in `aux` (without NUL).
    pub aux_len: u16,
    /// Valid bytes in `sock`.
    pub sock_len: u16,
    /// Components used in `base`.
    pub base_depth: u16,
    /// Reserved, zero.
    pub reserved: [u16; 3],
    pub aux: [u8; SEC_AUX_MAX],
    pub sock: [u8; SEC_SOCK_MAX],
    pub path: [[u8; SEC_PATH_MAX]; 2],
    /// The directory relative paths start from (working directory or
    /// directory descriptor), or the file of a descriptor-only call, as
    /// the kernel walked it (see `SEC_BASE_*`): NUL-terminated components,
    /// leaf first; an empty one marks a mount crossing.
    pub base: [[u8; SEC_BASE_PART_MAX]; SEC_BASE_PARTS],
}

/// Offset of `aux` in [`SecurityData`].
pub const SEC_OFF_AUX: usize = 88;
/// Offset of `path[0]` in [`SecurityData`].
pub const SEC_OFF_PATH: usize = SEC_OFF_AUX + SEC_AUX_MAX + SEC_SOCK_MAX;
/// Offset of `base` in [`SecurityData`].
pub const SEC_OFF_BASE: usize = SEC_OFF_PATH + 2 * SEC_PATH_MAX;

impl SecurityData {
    /// Bytes of the payload worth sending: up to the end of the last region
    /// in use.
    #[must_use]
    pub const fn used_len(path_len: [u16; 2], base_depth: u16) -> usize {
        if base_depth > 0 {
            let depth = if base_depth as usize > SEC_BASE_PARTS { SEC_BASE_PARTS } else { base_depth as usize };
            SEC_OFF_BASE + depth * SEC_BASE_PART_MAX
        } else if path_len[1] > 0 {
            SEC_OFF_PATH + SEC_PATH_MAX + path_len[1] as usize + 1
        } else if path_len[0] > 0 {
            SEC_OFF_PATH + path_len[0] as usize + 1
        } else {
            SEC_OFF_PATH
        }
    }
}

pub type SecurityEvent = Event<SecurityData>;

const _: () = assert!(size_of::<SecurityData>() == SEC_OFF_BASE + SEC_BASE_PARTS * SEC_BASE_PART_MAX);
const _: () = assert!(core::mem::offset_of!(SecurityData, aux) == SEC_OFF_AUX);
const _: () = assert!(core::mem::offset_of!(SecurityData, path) == SEC_OFF_PATH);
const _: () = assert!(core::mem::offset_of!(SecurityData, base) == SEC_OFF_BASE);

/// No argument (for the `SecLayout` argument-index fields).
pub const SEC_ARG_NONE: u8 = 0xff;
/// `SecLayout::sock_len` flag: the argument is a pointer to a `socklen_t`
/// (accept) rather than the length itself (connect, bind).
pub const SEC_SOCKLEN_PTR: u8 = 0x80;
/// `SecLayout::flags_arg` value: the open flags are in `deref` (openat2).
pub const SEC_FLAGS_DEREF: u8 = 0xfe;

/// Emit every call.
pub const SEC_FILTER_NONE: u8 = 0;
/// open family: emit only writes (`O_WRONLY|O_RDWR|O_CREAT|O_TRUNC`), and
/// reads of paths below a watched prefix (`SEC_WATCH`).
pub const SEC_FILTER_OPEN: u8 = 1;
/// prctl: emit only `PR_SET_NAME`.
pub const SEC_FILTER_PRCTL_NAME: u8 = 2;
/// kill family: emit only real signals (not 0) sent to another process.
pub const SEC_FILTER_KILL_OTHER: u8 = 3;

/// How the kernel reads one syscall's arguments (a part of
/// [`crate::syscalls::SyscallSpec`]). Argument-index fields hold 0..=5 or
/// [`SEC_ARG_NONE`].
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SecLayout {
    /// 1: emit a `security` record for this syscall.
    pub enabled: u8,
    /// Arguments that are user path strings, read into `path[0]`/`path[1]`.
    pub path: [u8; 2],
    /// Argument that is a short user string, read into `aux`.
    pub aux: u8,
    /// Argument that is a `struct sockaddr *`.
    pub sock: u8,
    /// Argument holding the address length, `| SEC_SOCKLEN_PTR` when it is a
    /// pointer to it.
    pub sock_len: u8,
    /// Argument that is a pointer whose first 8 bytes go to `deref`.
    pub deref: u8,
    /// `SEC_FILTER_*`.
    pub filter: u8,
    /// For `SEC_FILTER_OPEN` the argument holding the open flags (or
    /// [`SEC_FLAGS_DEREF`]); for `SEC_FILTER_KILL_OTHER` the signal.
    pub filter_arg: u8,
    /// Descriptor argument whose path the kernel resolves into `base`: the
    /// directory of `*at` calls (relative paths only; `AT_FDCWD` and calls
    /// without one use the working directory), or the file of
    /// descriptor-only calls (fchmod, ftruncate, finit_module...).
    pub base_fd: u8,
    /// Reserved, zero.
    pub reserved: [u8; 6],
}

impl SecLayout {
    pub const OFF: SecLayout = SecLayout {
        enabled: 0,
        path: [SEC_ARG_NONE; 2],
        aux: SEC_ARG_NONE,
        sock: SEC_ARG_NONE,
        sock_len: SEC_ARG_NONE,
        deref: SEC_ARG_NONE,
        filter: SEC_FILTER_NONE,
        filter_arg: SEC_ARG_NONE,
        base_fd: SEC_ARG_NONE,
        reserved: [0; 6],
    };
}

const _: () = assert!(size_of::<SecLayout>() == 16);

/// Bytes of a watched path prefix (the `SEC_WATCH` LPM trie's key data,
/// after a `u32` prefix length in bits).
pub const SEC_WATCH_PREFIX_MAX: usize = 64;
// The kernel checks a path's shape over the bytes it compares.
const _: () = assert!(SEC_WATCH_PREFIX_MAX == crate::path_shape::PATH_SHAPE_BYTES);
/// Watched prefixes at most.
pub const SEC_WATCH_MAX_ENTRIES: u32 = 256;

/// Slots of `SEC_WATCH_HEADS`, the first-stage filter of watched reads: the
/// first bytes ("head") of every watched prefix, in an open-addressed table
/// the kernel reads with inlined array lookups. An open whose path head is
/// not in it skips the string read and the trie lookup. A power of two, four
/// times [`SEC_WATCH_MAX_ENTRIES`].
pub const SEC_WATCH_HEAD_SLOTS: u32 = 1024;
/// Slots tried from a head's home slot; a head that cannot be placed within
/// them turns the first stage off (every read goes to the trie).
pub const SEC_WATCH_HEAD_PROBES: u32 = 8;

/// Mask keeping the first `len` bytes (at most 8) of a little-endian `u64`
/// read of a path: the head length is the shortest watched prefix's, so the
/// head of a path below any watched prefix is that prefix's head.
#[must_use]
pub const fn watch_head_mask(len: usize) -> u64 {
    if len >= 8 { u64::MAX } else { (1u64 << (8 * len)) - 1 }
}

/// Home slot of a head in `SEC_WATCH_HEADS`: the top bits of a
/// multiplicative hash, the only bits that depend on every byte (paths
/// mostly differ in their last bytes, the high ones of a little-endian read).
#[must_use]
#[inline(always)]
pub const fn watch_head_slot(head: u64) -> u32 {
    (head.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SEC_WATCH_HEAD_SLOTS.trailing_zeros())) as u32
}

const _: () = assert!(SEC_WATCH_HEAD_SLOTS.is_power_of_two());

#[cfg(feature = "user")]
unsafe impl aya::Pod for SecLayout {}
