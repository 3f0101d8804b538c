//! In-kernel syscall metrics: count, errors, duration sum and log2
//! histogram per (cgroup, syscall), plus failures per errno.
//!
//! The figures live in a per-CPU array, not a hash map: every syscall pays
//! for this lookup, and a per-CPU array lookup is inlined by the verifier
//! where a hash lookup hashes and compares the key in a helper call.
//!
//! - `SYSCALL_KEYS[slot]` (shared) names the pair a slot belongs to; a pair
//!   lives in one of `STATS_PROBES` slots from its home slot
//!   ([`stats_home_slot`]).
//! - `SYSCALL_STATS[slot]` (per CPU) holds its figures.
//! - `SYSCALL_CLAIMS` makes taking a free slot atomic: only the CPU whose
//!   `BPF_NOEXIST` insert of the slot number succeeds writes the key. Two
//!   CPUs racing for a new pair may end up with a slot each; userspace sums
//!   slots by key, so nothing is lost.
//!
//! Userspace frees the slots of dead cgroups in the reverse order (figures
//! zeroed, key cleared, claim removed), so a slot is always zero when
//! claimed. Failures stay in a per-CPU hash (`SYSCALL_ERRNOS`): they are
//! rarer, and their key has a third part.

use core::ptr::{read_volatile, write_volatile};

use aya_ebpf::{
    macros::map,
    maps::{Array, HashMap, PerCpuArray, PerCpuHashMap},
};
use exporter_common::{
    stats::Stat,
    syscalls::{
        ERRNO_MAX_ENTRIES, ErrnoKey, STATS_PROBES, STATS_SLOTS, SyscallKey, SyscallStats, bucket_of, stats_home_slot,
    },
};

use crate::maps::count;

#[map(name = "SYSCALL_KEYS")]
static SYSCALL_KEYS: Array<SyscallKey> = Array::with_max_entries(STATS_SLOTS, 0);

#[map(name = "SYSCALL_STATS")]
static SYSCALL_STATS: PerCpuArray<SyscallStats> = PerCpuArray::with_max_entries(STATS_SLOTS, 0);

#[map(name = "SYSCALL_CLAIMS")]
static SYSCALL_CLAIMS: HashMap<u32, u32> = HashMap::with_max_entries(STATS_SLOTS, 0);

#[map(name = "SYSCALL_ERRNOS")]
static SYSCALL_ERRNOS: PerCpuHashMap<ErrnoKey, u64> = PerCpuHashMap::with_max_entries(ERRNO_MAX_ENTRIES, 0);

const BPF_NOEXIST: u64 = 1;

/// Adds the call (of the thread running in `cgroup_id`) to the pair's figures and, when it failed, `SYSCALL_ERRNOS`.
#[inline(always)]
pub fn record_stats(cgroup_id: u64, nr: u32, ret: i64, duration: u64) {
    let failed = (-4095..0).contains(&ret);
    let Some(stats) = slot_for(cgroup_id, nr) else {
        count(Stat::SyscallStatsFull);
        return;
    };
    let bucket = bucket_of(duration);
    unsafe {
        (*stats).count += 1;
        (*stats).duration_ns += duration;
        if bucket < (*stats).buckets.len() {
            (*stats).buckets[bucket] += 1;
        }
        if failed {
            (*stats).errors += 1;
        }
    }
    if failed {
        count_errno(ErrnoKey { cgroup_id, nr, errno: (-ret) as u32 });
    }
}

/// This CPU's figures for the pair: its slot, or a free one it claims.
#[inline(always)]
fn slot_for(cgroup_id: u64, nr: u32) -> Option<*mut SyscallStats> {
    let home = stats_home_slot(cgroup_id, nr);
    for probe in 0..STATS_PROBES {
        let slot = (home + probe) & (STATS_SLOTS - 1);
        let key = SYSCALL_KEYS.get_ptr_mut(slot)?;
        // The claimer writes `nr` before `cgroup_id`, so a visible id comes
        // with its number.
        let owner = unsafe { read_volatile(&raw const (*key).cgroup_id) };
        if owner == cgroup_id {
            if unsafe { read_volatile(&raw const (*key).nr) } == nr {
                return SYSCALL_STATS.get_ptr_mut(slot);
            }
        } else if owner == 0 && SYSCALL_CLAIMS.insert(&slot, &1, BPF_NOEXIST).is_ok() {
            unsafe {
                write_volatile(&raw mut (*key).nr, nr);
                write_volatile(&raw mut (*key).cgroup_id, cgroup_id);
            }
            return SYSCALL_STATS.get_ptr_mut(slot);
        }
    }
    None
}

#[inline(always)]
fn count_errno(key: ErrnoKey) {
    match SYSCALL_ERRNOS.get_ptr_mut(key) {
        Some(c) => unsafe { *c += 1 },
        None => {
            // A failed insert means the map is full, or another CPU inserted
            // the key first: either way, look again.
            if SYSCALL_ERRNOS.insert(key, 1u64, BPF_NOEXIST).is_err() {
                match SYSCALL_ERRNOS.get_ptr_mut(key) {
                    Some(c) => unsafe { *c += 1 },
                    None => count(Stat::SyscallErrnosFull),
                }
            }
        }
    }
}
