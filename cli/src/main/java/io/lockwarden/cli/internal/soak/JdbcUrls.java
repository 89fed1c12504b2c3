package io.lockwarden.cli.internal.soak;

/** Shows JDBC URLs without their secrets, for every command's messages and reports. Stateless. */
public final class JdbcUrls {
    private JdbcUrls() {
    }

    /**
     * The URL with the values of {@code password} parameters (also {@code sslpassword}, up to the next
     * {@code &}) and any {@code user:password@} part replaced by {@code ***}.
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        return url.replaceAll("(?i)(password=)[^&]*", "$1***")
                .replaceAll("(//[^/@:]*:)[^/@]*@", "$1***@");
    }
}
