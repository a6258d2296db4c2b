/*
 * The e2e test app: a tiny static HTTP server standing in for the article's
 * distroless app. Built with `gcc -static -O2 -o server httpd.c` and run as
 * uid 1000 in a FROM scratch image (Tests/ToolboxTests/E2ESupport.swift).
 *
 *   server --port 8080 --config /app/config
 *
 * Listens on an IPv6 socket bound to [::]:PORT with IPV6_V6ONLY off, so it
 * accepts IPv4 too and shows as `:::8080` in netstat (the article's bug: the
 * manifest said 80). Every request is answered with the config file. Exits
 * on SIGTERM/SIGINT (as PID 1 it would otherwise ignore them).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_signal(int sig) { (void)sig; _exit(0); }

int main(int argc, char **argv) {
    int port = 8080;
    const char *config = "/app/config";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--config") == 0) config = argv[i + 1];
        else { fprintf(stderr, "server: unknown option %s\n", argv[i]); return 2; }
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);

    int s = socket(AF_INET6, SOCK_STREAM, 0);
    if (s < 0) { perror("server: socket"); return 1; }
    int off = 0, on = 1;
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons((unsigned short)port);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("server: bind"); return 1; }
    if (listen(s, 16) < 0) { perror("server: listen"); return 1; }
    fprintf(stderr, "server: listening on [::]:%d\n", port);

    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) continue;
        char req[2048];
        (void)read(c, req, sizeof req);
        char body[65536];
        ssize_t n = 0;
        int f = open(config, O_RDONLY);
        if (f >= 0) { n = read(f, body, sizeof body); close(f); }
        if (n < 0) n = 0;
        char head[256];
        int h = snprintf(head, sizeof head,
                         "HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %zd\r\nConnection: close\r\n\r\n",
                         f >= 0 ? "200 OK" : "500 Internal Server Error", n);
        (void)write(c, head, (size_t)h);
        (void)write(c, body, (size_t)n);
        close(c);
    }
}
