// Mount option strings (config.md "Linux mount options") to mount(2) / mount_setattr(2) flags.
// Semantics follow runc's libcontainer/specconv parseMountOptions: options apply in order, a
// later option overrides an earlier opposite one ("ro","rw" → rw), unknown options become
// filesystem data passed verbatim (comma-joined) as mount(2)'s `data`.

public struct MountOptions: Sendable, Equatable {
    /// MS_* flags to set on mount(2).
    public var flags: UInt = 0
    /// MS_* flags the options explicitly clear ("rw", "suid", "dev", "exec", "atime", ...).
    public var clearFlags: UInt = 0
    /// Propagation changes in order: MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE, | MS_REC for r-forms.
    public var propagation: [UInt] = []
    /// MOUNT_ATTR_* to set recursively with mount_setattr(2, AT_RECURSIVE) (rro, rnosuid, ...).
    public var recAttrSet: UInt64 = 0
    /// MOUNT_ATTR_* to clear recursively (rrw, rsuid, ...; the r*atime forms also clear MOUNT_ATTR__ATIME).
    public var recAttrClear: UInt64 = 0
    /// "bind" or "rbind" given (flags then hold MS_BIND, plus MS_REC for rbind).
    public var bind: Bool = false
    /// Filesystem-specific options, e.g. "mode=755", "size=65536k", "newinstance", "lowerdir=…".
    public var data: [String] = []
    /// "idmap": apply the mount's uid/gidMappings (MOUNT_ATTR_IDMAP), not passed to mount(2).
    public var idmap: Bool = false
    /// "ridmap": like idmap, recursively.
    public var ridmap: Bool = false
    /// "tmpcopyup" (runc extension): copy the directory's contents into a new tmpfs mount.
    public var tmpcopyup: Bool = false
    /// "copy-symlink" (crun extension): for bind mounts of a symlink, recreate the symlink instead.
    public var copySymlink: Bool = false

    public init() {}

    /// `data` joined with "," for mount(2).
    public var dataString: String { data.joined(separator: ",") }
    /// MS_REC is set (rbind).
    public var recursive: Bool { flags & MountOptions.MS_REC != 0 }
    /// Some option needs mount_setattr(2).
    public var hasRecursiveAttrs: Bool { recAttrSet != 0 || recAttrClear != 0 }

    // MARK: constants (linux/mount.h)

    public static let MS_RDONLY: UInt = 0x1
    public static let MS_NOSUID: UInt = 0x2
    public static let MS_NODEV: UInt = 0x4
    public static let MS_NOEXEC: UInt = 0x8
    public static let MS_SYNCHRONOUS: UInt = 0x10
    public static let MS_REMOUNT: UInt = 0x20
    public static let MS_MANDLOCK: UInt = 0x40
    public static let MS_DIRSYNC: UInt = 0x80
    public static let MS_NOSYMFOLLOW: UInt = 0x100
    public static let MS_NOATIME: UInt = 0x400
    public static let MS_NODIRATIME: UInt = 0x800
    public static let MS_BIND: UInt = 0x1000
    public static let MS_MOVE: UInt = 0x2000
    public static let MS_REC: UInt = 0x4000
    public static let MS_SILENT: UInt = 0x8000
    public static let MS_POSIXACL: UInt = 0x1_0000
    public static let MS_UNBINDABLE: UInt = 0x2_0000
    public static let MS_PRIVATE: UInt = 0x4_0000
    public static let MS_SLAVE: UInt = 0x8_0000
    public static let MS_SHARED: UInt = 0x10_0000
    public static let MS_RELATIME: UInt = 0x20_0000
    public static let MS_I_VERSION: UInt = 0x80_0000
    public static let MS_STRICTATIME: UInt = 0x100_0000
    public static let MS_LAZYTIME: UInt = 0x200_0000

    public static let MOUNT_ATTR_RDONLY: UInt64 = 0x1
    public static let MOUNT_ATTR_NOSUID: UInt64 = 0x2
    public static let MOUNT_ATTR_NODEV: UInt64 = 0x4
    public static let MOUNT_ATTR_NOEXEC: UInt64 = 0x8
    /// Mask of the access-time setting (RELATIME = 0, NOATIME, STRICTATIME).
    public static let MOUNT_ATTR__ATIME: UInt64 = 0x70
    public static let MOUNT_ATTR_RELATIME: UInt64 = 0x0
    public static let MOUNT_ATTR_NOATIME: UInt64 = 0x10
    public static let MOUNT_ATTR_STRICTATIME: UInt64 = 0x20
    public static let MOUNT_ATTR_NODIRATIME: UInt64 = 0x80
    public static let MOUNT_ATTR_IDMAP: UInt64 = 0x10_0000
    public static let MOUNT_ATTR_NOSYMFOLLOW: UInt64 = 0x20_0000

    // MARK: tables

    /// mount(2) flag options: (clear?, flag).
    static let flagOptions: [String: (clear: Bool, flag: UInt)] = [
        "acl": (false, MS_POSIXACL), "async": (true, MS_SYNCHRONOUS), "atime": (true, MS_NOATIME),
        "bind": (false, MS_BIND), "defaults": (false, 0), "dev": (true, MS_NODEV),
        "diratime": (true, MS_NODIRATIME), "dirsync": (false, MS_DIRSYNC), "exec": (true, MS_NOEXEC),
        "iversion": (false, MS_I_VERSION), "lazytime": (false, MS_LAZYTIME), "loud": (true, MS_SILENT),
        "mand": (false, MS_MANDLOCK), "noacl": (true, MS_POSIXACL), "noatime": (false, MS_NOATIME),
        "nodev": (false, MS_NODEV), "nodiratime": (false, MS_NODIRATIME), "noexec": (false, MS_NOEXEC),
        "noiversion": (true, MS_I_VERSION), "nolazytime": (true, MS_LAZYTIME), "nomand": (true, MS_MANDLOCK),
        "norelatime": (true, MS_RELATIME), "nostrictatime": (true, MS_STRICTATIME), "nosuid": (false, MS_NOSUID),
        "nosymfollow": (false, MS_NOSYMFOLLOW), "rbind": (false, MS_BIND | MS_REC),
        "relatime": (false, MS_RELATIME), "remount": (false, MS_REMOUNT), "ro": (false, MS_RDONLY),
        "rw": (true, MS_RDONLY), "silent": (false, MS_SILENT), "strictatime": (false, MS_STRICTATIME),
        "suid": (true, MS_NOSUID), "symfollow": (true, MS_NOSYMFOLLOW), "sync": (false, MS_SYNCHRONOUS),
    ]

    static let propagationOptions: [String: UInt] = [
        "private": MS_PRIVATE, "rprivate": MS_PRIVATE | MS_REC, "shared": MS_SHARED, "rshared": MS_SHARED | MS_REC,
        "slave": MS_SLAVE, "rslave": MS_SLAVE | MS_REC, "unbindable": MS_UNBINDABLE,
        "runbindable": MS_UNBINDABLE | MS_REC,
    ]

    /// mount_setattr(2) recursive options: (clear?, attr).
    static let recAttrOptions: [String: (clear: Bool, attr: UInt64)] = [
        "rro": (false, MOUNT_ATTR_RDONLY), "rrw": (true, MOUNT_ATTR_RDONLY),
        "rnosuid": (false, MOUNT_ATTR_NOSUID), "rsuid": (true, MOUNT_ATTR_NOSUID),
        "rnodev": (false, MOUNT_ATTR_NODEV), "rdev": (true, MOUNT_ATTR_NODEV),
        "rnoexec": (false, MOUNT_ATTR_NOEXEC), "rexec": (true, MOUNT_ATTR_NOEXEC),
        "rnodiratime": (false, MOUNT_ATTR_NODIRATIME), "rdiratime": (true, MOUNT_ATTR_NODIRATIME),
        "rrelatime": (false, MOUNT_ATTR_RELATIME), "rnorelatime": (true, MOUNT_ATTR_RELATIME),
        "rnoatime": (false, MOUNT_ATTR_NOATIME), "ratime": (true, MOUNT_ATTR_NOATIME),
        "rstrictatime": (false, MOUNT_ATTR_STRICTATIME), "rnostrictatime": (true, MOUNT_ATTR_STRICTATIME),
        "rnosymfollow": (false, MOUNT_ATTR_NOSYMFOLLOW), "rsymfollow": (true, MOUNT_ATTR_NOSYMFOLLOW),
    ]

    public static let extensionOptions: [String] = ["idmap", "ridmap", "tmpcopyup", "copy-symlink"]

    /// All recognized option names, sorted.
    public static let knownOptions: [String] = (Array(flagOptions.keys) + Array(propagationOptions.keys)
        + Array(recAttrOptions.keys) + extensionOptions).sorted()

    // MARK: parsing

    public static func parse(_ options: [String]) -> MountOptions {
        var m = MountOptions()
        for o in options {
            if let f = flagOptions[o] {
                if f.clear { m.flags &= ~f.flag; m.clearFlags |= f.flag }
                else { m.flags |= f.flag; m.clearFlags &= ~f.flag }
                if o == "bind" || o == "rbind" { m.bind = true }
            } else if let p = propagationOptions[o] {
                m.propagation.append(p)
            } else if let r = recAttrOptions[o] {
                if r.clear {
                    m.recAttrClear |= r.attr; m.recAttrSet &= ~r.attr
                } else {
                    m.recAttrSet |= r.attr; m.recAttrClear &= ~r.attr
                    // mount_setattr(2): an access-time setting needs MOUNT_ATTR__ATIME in attr_clr.
                    if r.attr & MOUNT_ATTR__ATIME == r.attr { m.recAttrClear |= MOUNT_ATTR__ATIME }
                }
            } else {
                switch o {
                case "idmap": m.idmap = true
                case "ridmap": m.ridmap = true
                case "tmpcopyup": m.tmpcopyup = true
                case "copy-symlink": m.copySymlink = true
                default: m.data.append(o)
                }
            }
        }
        return m
    }
}
