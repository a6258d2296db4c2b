// swift-tools-version:6.0
import PackageDescription

// toolbox: one static multicall binary for debugging distroless containers.
// No package dependencies, no Foundation in Sources/ (Glibc only).
let package = Package(
    name: "toolbox",
    products: [
        .executable(name: "toolbox", targets: ["toolbox"]),
    ],
    dependencies: [],
    targets: [
        // Kernel interfaces Glibc does not expose to Swift (openat2, netlink
        // structs, SCM_RIGHTS control messages). Header-only static inlines.
        .target(name: "CShim"),
        // Shared core: errors, syscall wrappers, writer, option parser,
        // ProcFS, passwd/group, capabilities. The only Libc import lives in
        // ToolboxCore/Platform.swift.
        .target(name: "ToolboxCore", dependencies: ["CShim"]),
        // One file per applet plus the registry and the multicall dispatcher.
        .target(name: "ToolboxApplets", dependencies: ["ToolboxCore"]),
        // Thin main. -static-executable only here so `swift test` and debug
        // builds of the libraries keep linking dynamically.
        .executableTarget(
            name: "toolbox",
            dependencies: ["ToolboxApplets"],
            linkerSettings: [.unsafeFlags(["-static-executable", "-Xlinker", "--gc-sections"])]
        ),
        .testTarget(
            name: "ToolboxTests",
            dependencies: ["ToolboxCore", "ToolboxApplets"],
            resources: []
        ),
    ]
)
