package io.lockwarden.cli.internal.soak;

/** Shows JDBC URLs without their secrets. Stateless. */
public final class JdbcUrls {
    private JdbcUrls() {
    }

    /** The URL with the values of {@code password} parameters and any {@code user:password@} part replaced by {@code ***}. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        return url.replaceAll("(?i)([?&;]password=)[^&;]*", "$1***")
                .replaceAll("(//[^/@:]*:)[^/@]*@", "$1***@");
    }
}
