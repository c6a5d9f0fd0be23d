package dev.nextinfer.cli;

/** Parsing and printing of token id lists ({@code 1,2,3}). */
final class Ids {
    private Ids() {
    }

    /** Parses comma-separated non-negative integers; a clear error names the bad entry. */
    static int[] parse(String option, String csv) {
        String s = csv.trim();
        if (s.isEmpty()) {
            throw new CliException(option + ": expected comma-separated token ids, got an empty list");
        }
        String[] parts = s.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            try {
                ids[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new CliException(option + ": entry " + (i + 1) + " '" + p + "' is not an integer token id");
            }
            if (ids[i] < 0) {
                throw new CliException(option + ": entry " + (i + 1) + " is negative (" + ids[i] + ")");
            }
        }
        return ids;
    }

    /** {@code {"ids":[1,2,3]}}. */
    static String json(int[] ids) {
        StringBuilder sb = new StringBuilder("{\"ids\":[");
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(ids[i]);
        }
        return sb.append("]}").toString();
    }
}
