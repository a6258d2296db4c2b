import ToolboxCore

let zcatApplet = Applet(spec: AppletSpec(
    name: "zcat", summary: "Decompress gzip files to standard output (gzip -dc)",
    usage: ["[-fq] [FILE...]"], details: gzipDetails,
    options: gzipOptions.filter { "fq".contains($0.short ?? " ") }),
    run: { ctx, args in try runGzip(ctx, args, mode: .zcat) })
