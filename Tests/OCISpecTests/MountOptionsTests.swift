import XCTest
@testable import OCISpec

final class MountOptionsTests: XCTestCase {
    typealias M = MountOptions

    func testBasicFlagsAndData() {
        let m = M.parse(["nosuid", "noexec", "strictatime", "mode=755", "size=65536k"])
        XCTAssertEqual(m.flags, M.MS_NOSUID | M.MS_NOEXEC | M.MS_STRICTATIME)
        XCTAssertEqual(m.clearFlags, 0)
        XCTAssertEqual(m.data, ["mode=755", "size=65536k"])
        XCTAssertEqual(m.dataString, "mode=755,size=65536k")
        XCTAssertFalse(m.bind)
    }

    func testLaterOptionWins() {
        let m = M.parse(["ro", "rw", "nodev", "dev", "suid", "nosuid"])
        XCTAssertEqual(m.flags, M.MS_NOSUID)
        XCTAssertEqual(m.clearFlags, M.MS_RDONLY | M.MS_NODEV)
        let n = M.parse(["rw", "ro"])
        XCTAssertEqual(n.flags, M.MS_RDONLY)
        XCTAssertEqual(n.clearFlags, 0)
    }

    func testClearOptions() {
        let m = M.parse(["exec", "atime", "diratime", "async", "loud", "norelatime", "nostrictatime", "symfollow", "noacl", "nomand", "nolazytime", "noiversion"])
        XCTAssertEqual(m.flags, 0)
        XCTAssertEqual(m.clearFlags, M.MS_NOEXEC | M.MS_NOATIME | M.MS_NODIRATIME | M.MS_SYNCHRONOUS | M.MS_SILENT
                       | M.MS_RELATIME | M.MS_STRICTATIME | M.MS_NOSYMFOLLOW | M.MS_POSIXACL | M.MS_MANDLOCK
                       | M.MS_LAZYTIME | M.MS_I_VERSION)
    }

    func testBindAndPropagation() {
        let b = M.parse(["bind", "rprivate", "nosuid"])
        XCTAssertTrue(b.bind)
        XCTAssertFalse(b.recursive)
        XCTAssertEqual(b.flags, M.MS_BIND | M.MS_NOSUID)
        XCTAssertEqual(b.propagation, [M.MS_PRIVATE | M.MS_REC])
        let r = M.parse(["rbind", "shared", "rslave", "unbindable", "runbindable", "rshared", "private", "slave"])
        XCTAssertTrue(r.bind)
        XCTAssertTrue(r.recursive)
        XCTAssertEqual(r.flags, M.MS_BIND | M.MS_REC)
        XCTAssertEqual(r.propagation, [M.MS_SHARED, M.MS_SLAVE | M.MS_REC, M.MS_UNBINDABLE, M.MS_UNBINDABLE | M.MS_REC,
                                       M.MS_SHARED | M.MS_REC, M.MS_PRIVATE, M.MS_SLAVE])
        XCTAssertEqual(r.data, [])
    }

    func testRecursiveAttributes() {
        let m = M.parse(["rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow"])
        XCTAssertEqual(m.recAttrSet, M.MOUNT_ATTR_RDONLY | M.MOUNT_ATTR_NOSUID | M.MOUNT_ATTR_NODEV | M.MOUNT_ATTR_NOEXEC
                       | M.MOUNT_ATTR_NODIRATIME | M.MOUNT_ATTR_NOSYMFOLLOW)
        XCTAssertEqual(m.recAttrClear, 0)
        XCTAssertTrue(m.hasRecursiveAttrs)
        XCTAssertEqual(m.flags, 0)
        let c = M.parse(["rro", "rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow"])
        XCTAssertEqual(c.recAttrSet, 0)
        XCTAssertEqual(c.recAttrClear, M.MOUNT_ATTR_RDONLY | M.MOUNT_ATTR_NOSUID | M.MOUNT_ATTR_NODEV | M.MOUNT_ATTR_NOEXEC
                       | M.MOUNT_ATTR_NODIRATIME | M.MOUNT_ATTR_NOSYMFOLLOW)
    }

    func testRecursiveAtime() {
        let a = M.parse(["rnoatime"])
        XCTAssertEqual(a.recAttrSet, M.MOUNT_ATTR_NOATIME)
        XCTAssertEqual(a.recAttrClear, M.MOUNT_ATTR__ATIME)
        let s = M.parse(["rstrictatime"])
        XCTAssertEqual(s.recAttrSet, M.MOUNT_ATTR_STRICTATIME)
        XCTAssertEqual(s.recAttrClear, M.MOUNT_ATTR__ATIME)
        let r = M.parse(["rrelatime"])
        XCTAssertEqual(r.recAttrSet, 0)
        XCTAssertEqual(r.recAttrClear, M.MOUNT_ATTR__ATIME)
        XCTAssertTrue(r.hasRecursiveAttrs)
        let t = M.parse(["ratime"])
        XCTAssertEqual(t.recAttrClear, M.MOUNT_ATTR_NOATIME)
    }

    func testExtensions() {
        let m = M.parse(["idmap", "tmpcopyup", "newinstance", "ptmxmode=0666", "defaults", "lowerdir=/a:/b,upperdir=/c"])
        XCTAssertTrue(m.idmap)
        XCTAssertFalse(m.ridmap)
        XCTAssertTrue(m.tmpcopyup)
        XCTAssertEqual(m.flags, 0)
        XCTAssertEqual(m.data, ["newinstance", "ptmxmode=0666", "lowerdir=/a:/b,upperdir=/c"])
        XCTAssertTrue(M.parse(["ridmap"]).ridmap)
        XCTAssertTrue(M.parse(["copy-symlink"]).copySymlink)
        XCTAssertEqual(M.parse(["remount", "bind", "ro"]).flags, M.MS_REMOUNT | M.MS_BIND | M.MS_RDONLY)
        XCTAssertEqual(M.parse(["sync", "dirsync", "mand", "iversion", "lazytime", "silent", "acl", "relatime", "nosymfollow", "noatime", "nodiratime"]).flags,
                       M.MS_SYNCHRONOUS | M.MS_DIRSYNC | M.MS_MANDLOCK | M.MS_I_VERSION | M.MS_LAZYTIME | M.MS_SILENT
                       | M.MS_POSIXACL | M.MS_RELATIME | M.MS_NOSYMFOLLOW | M.MS_NOATIME | M.MS_NODIRATIME)
    }

    func testKnownListCoversSpecTable() {
        // Every option of config.md's Linux mount options table is recognized (none lands in data).
        let table = ["async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime",
                     "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand",
                     "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev",
                     "rdiratime", "relatime", "remount", "rexec", "rnoatime", "rnodiratime", "rnoexec", "rnorelatime",
                     "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared",
                     "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave",
                     "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable", "idmap", "ridmap"]
        for o in table {
            XCTAssertTrue(KnownLists.mountOptions.contains(o), o)
            XCTAssertEqual(M.parse([o]).data, [], o)
        }
        XCTAssertEqual(KnownLists.mountOptions, KnownLists.mountOptions.sorted())
        XCTAssertFalse(KnownLists.mountOptions.contains("mode=755"))
    }
}
