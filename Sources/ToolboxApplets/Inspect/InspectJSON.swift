import ToolboxCore

// inspect --json: every section object has the same members whatever could
// be read (null when a value is unknown or does not apply), in this order,
// then `errors` (docs/json.md). A member a section writes that is not listed
// here is kept after them, and JSONOutputTests fails until it is listed.

let inspectJSONKeys: [(section: String, keys: [String])] = [
    ("identity", ["command", "name", "exe", "cwd", "uids", "gids", "user", "container", "state", "start_time",
                  "age_seconds", "threads", "parents"]),
    ("memory", ["rss_bytes", "pss_bytes", "swap_bytes", "smaps_rollup_access", "peak_rss_bytes", "cgroup_usage_bytes",
                "cgroup_limit_bytes", "cgroup_usage_percent", "cgroup_peak_bytes", "cgroup_source", "oom_kills",
                "oom_events", "oom_score", "oom_score_adj"]),
    ("cpu", ["user_seconds", "system_seconds", "rate_percent", "interval_seconds", "quota_cores", "quota_source",
             "cgroup_rate_cores", "nr_throttled", "nr_periods", "throttled_seconds", "sample_periods",
             "sample_throttled", "throttle_source"]),
    ("limits", ["rlimits", "pids_current", "pids_max", "pids_source"]),
    ("fds", ["total", "by_kind", "fds"]),
    ("env", ["variables", "masked"]),
    ("mounts", ["mounts"]),
    ("security", ["cap_effective", "cap_permitted", "cap_inheritable", "cap_bounding", "cap_ambient", "no_new_privs",
                  "seccomp", "seccomp_filters", "namespaces", "nsenter"]),
]

extension InspectSection {
    /// The section's members in the documented order, null for the ones it
    /// did not write (the first value wins when one was written twice).
    var stableMembers: [(String, JSON)] {
        let keys = inspectJSONKeys.first { $0.section == name }?.keys ?? []
        var members: [(String, JSON)] = []
        members.reserveCapacity(keys.count + 1)
        for k in keys { members.append((k, json.first { $0.0 == k }?.1 ?? .null)) }
        for m in json where !keys.contains(m.0) && !members.contains(where: { $0.0 == m.0 }) { members.append(m) }
        return members
    }
}
