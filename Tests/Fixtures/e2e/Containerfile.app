# The e2e test app: a static C HTTP server (httpd.c) in an empty image,
# running as uid 1000. The build context is assembled by
# Tests/ToolboxTests/E2ESupport.swift (rootfs/ with /app, /etc/passwd,
# /etc/ssl/cert.pem -> /etc/ssl/certs/ca.pem, a root-only file).
FROM scratch
COPY rootfs/ /
COPY --chown=1000:1000 data/ /app/data/
USER 1000:1000
WORKDIR /app
# What the manifest claims; the server really listens on 8080.
EXPOSE 80
ENTRYPOINT ["/app/server"]
CMD ["--port", "8080", "--config", "/app/config"]
