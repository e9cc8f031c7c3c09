import Foundation
import XCTest
@testable import OCISpec

final class SchemaTests: XCTestCase {
    func testFeaturesValidateAgainstSchema() throws {
        let text = Features.json()
        XCTAssertEqual(try schemaErrors(text, schema: "features-schema.json"), [])
        let custom = Features.json(seccompSupportedFlags: ["SECCOMP_FILTER_FLAG_LOG", "BOGUS"], cgroupV1: true,
                                   annotations: ["org.example.version": "0.1"], pretty: false)
        XCTAssertEqual(try schemaErrors(custom, schema: "features-schema.json"), [])
    }

    func testFeaturesContent() throws {
        let j = try JSON.parse(Array(Features.json().utf8))
        XCTAssertEqual(j["ociVersionMin"], "1.0.0")
        XCTAssertEqual(j["ociVersionMax"], "1.3.0")
        XCTAssertEqual(j["hooks"], JSON(KnownLists.hooks))
        // extension options are listed only when the runtime says it applies them
        XCTAssertEqual(j["mountOptions"], JSON(KnownLists.mountOptions.filter { !MountOptions.extensionOptions.contains($0) }))
        let l = try XCTUnwrap(j["linux"])
        XCTAssertEqual(l["namespaces"], ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"])
        XCTAssertEqual(l["capabilities"]?.arrayValue?.count, 41)
        XCTAssertEqual(l["capabilities"]?[40], "CAP_CHECKPOINT_RESTORE")
        XCTAssertEqual(l["cgroup"]?["v2"], true)
        XCTAssertEqual(l["cgroup"]?["systemd"], false)
        XCTAssertEqual(l["seccomp"]?["knownFlags"]?.arrayValue?.count, 4)
        XCTAssertEqual(l["seccomp"]?["archs"]?.arrayValue?.count, 23)
        XCTAssertEqual(l["apparmor"]?["enabled"], false)
        XCTAssertEqual(l["mountExtensions"]?["idmap"]?["enabled"], true)
        let c = try JSON.parse(Array(Features.json(seccompSupportedFlags: ["SECCOMP_FILTER_FLAG_LOG", "BOGUS"]).utf8))
        XCTAssertEqual(c["linux"]?["seccomp"]?["supportedFlags"], ["SECCOMP_FILTER_FLAG_LOG"])
        let off = try JSON.parse(Array(Features.json(seccompEnabled: false).utf8))
        XCTAssertEqual(off["linux"]?["seccomp"], ["enabled": false])
    }

    func testKnownListsMatchSchemaEnums() throws {
        let defs = try JSON.parse(try readBytes(schemaDir + "/defs-linux.json"))["definitions"]
        func enumOf(_ k: String) -> [String] { defs?[k]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? ["missing \(k)"] }
        XCTAssertEqual(Set(enumOf("NamespaceType")), Set(KnownLists.namespaces))
        XCTAssertEqual(Set(enumOf("SeccompAction")), Set(KnownLists.seccompActions))
        XCTAssertEqual(Set(enumOf("SeccompOperators")), Set(KnownLists.seccompOperatorNames))
        XCTAssertEqual(Set(enumOf("SeccompArch")), Set(KnownLists.seccompArchs))
        XCTAssertEqual(Set(enumOf("SeccompFlag")), Set(KnownLists.seccompFlagNames))
        XCTAssertEqual(Set(enumOf("SchedulerPolicy")), Set(KnownLists.schedulerPolicyNames))
        XCTAssertEqual(Set(enumOf("SchedulerFlag")), Set(KnownLists.schedulerFlagNames))
        XCTAssertEqual(Set(enumOf("PersonalityDomain")), Set(KnownLists.personalityDomainNames))
        XCTAssertEqual(Set(enumOf("RootfsPropagation")), Set(KnownLists.rootfsPropagationNames))
        XCTAssertEqual(Set(enumOf("MemoryPolicyMode")), Set(KnownLists.memoryPolicyModeNames))
        XCTAssertEqual(Set(enumOf("MemoryPolicyFlag")), Set(KnownLists.memoryPolicyFlagNames))
        XCTAssertEqual(KnownLists.capabilities.map(\.value), Array(0...40))
        XCTAssertEqual(KnownLists.rlimits.map(\.resource), Array(0...15))
        XCTAssertEqual(KnownLists.capability("CAP_SYS_ADMIN"), 21)
        XCTAssertEqual(KnownLists.rlimit("RLIMIT_NOFILE"), 7)
    }

    func testStateJSON() throws {
        let running = ContainerState(id: "c1", status: "running", pid: 4422, bundle: "/containers/redis",
                                     annotations: ["myKey": "myValue"])
        XCTAssertEqual(running.json(pretty: false),
                       #"{"ociVersion":"1.3.0","id":"c1","status":"running","pid":4422,"bundle":"/containers/redis","annotations":{"myKey":"myValue"}}"#)
        XCTAssertEqual(try schemaErrors(running.json(pretty: true), schema: "state-schema.json"), [])
        let creating = ContainerState(id: "c2", status: "creating", bundle: "/b")
        XCTAssertEqual(creating.json(pretty: false), #"{"ociVersion":"1.3.0","id":"c2","status":"creating","bundle":"/b"}"#)
        XCTAssertEqual(try schemaErrors(creating.json(pretty: false), schema: "state-schema.json"), [])
        var stopped = ContainerState(id: "c3", status: "stopped", pid: 0, bundle: "/b")
        stopped.extra = [("rootfs", "/b/rootfs"), ("created", "2024-01-01T00:00:00Z")]
        XCTAssertEqual(try schemaErrors(stopped.json(pretty: true), schema: "state-schema.json"), [])
        XCTAssertEqual(try ContainerState.decode(Array(stopped.json().utf8)), stopped)
        XCTAssertEqual(try ContainerState.decode(Array(running.json(pretty: true).utf8)), running)
        XCTAssertThrowsError(try ContainerState.decode(Array(#"{"ociVersion":"1.0.0","id":"x","status":"paused","bundle":"/"}"#.utf8))) {
            XCTAssertEqual("\($0)", #"state.json: status: unknown status "paused""#)
        }
    }

    func testSchemaCheckerRejectsBadDocuments() throws {
        XCTAssertFalse(try schemaErrors(#"{"ociVersionMin":"1.0.0"}"#, schema: "features-schema.json").isEmpty)
        XCTAssertFalse(try schemaErrors(#"{"ociVersion":"1.0.0","id":"x","status":"paused","bundle":"/"}"#, schema: "state-schema.json").isEmpty)
    }

    func testPodmanExampleAgainstConfigSchema() throws {
        let text = String(decoding: try readBytes(examplesDir + "/podman-4.3.1-run-it-config.json"), as: UTF8.self)
        XCTAssertEqual(try schemaErrors(text, schema: "config-schema.json"), [])
        let s = try Spec.decode(Array(text.utf8))
        XCTAssertEqual(try schemaErrors(s.encoded().serialized(), schema: "config-schema.json"), [])
    }
}
