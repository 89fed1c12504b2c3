package io.lockwarden.cli;

import picocli.CommandLine.Option;

/** The {@code --url} option shared by commands that talk to PostgreSQL. */
final class ServerOptions {
    @Option(names = "--url", paramLabel = "JDBC_URL",
            description = {"PostgreSQL JDBC URL, e.g. jdbc:postgresql://db:5432/app.",
                "Default: built from PGHOST, PGPORT, PGDATABASE. User from the URL or PGUSER;",
                "password from the URL, PGPASSWORD, or a prompt (never echoed)."})
    String url;
}
