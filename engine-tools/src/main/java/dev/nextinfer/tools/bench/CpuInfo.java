package dev.nextinfer.tools.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import jdk.incubator.vector.FloatVector;

/**
 * The processor a benchmark ran on, for its record: a figure measured on one CPU says little about another, and the
 * sandbox's "AMD EPYC" has been more than one generation (Zen 4, family 25, and Zen 5, family 26, on different days).
 * From {@code /proc/cpuinfo} where there is one: the model name, the x86 family and model numbers (which name the
 * generation when a virtual machine hides the model name), and the SIMD features the kernels' speed depends on.
 *
 * @param model       the model name ({@code os.arch} where unknown)
 * @param family      x86 {@code cpu family}, or -1
 * @param modelNumber x86 {@code model}, or -1
 * @param features    of {@link #FEATURES}, those the CPU reports, in that order
 * @param vectorBits  the Vector API's preferred vector width in this JVM (what the kernels run at)
 */
public record CpuInfo(String model, int family, int modelNumber, List<String> features, int vectorBits) {
    /** The {@code flags} worth recording: vector widths and the integer/bf16 dot-product instructions. */
    public static final List<String> FEATURES = List.of("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni",
            "avx512_bf16", "avx512_fp16", "amx_int8", "asimd", "sve");

    /** Defensive copy. */
    public CpuInfo {
        features = List.copyOf(features);
    }

    /** This machine's processor; never throws (an unreadable {@code /proc/cpuinfo} gives what the JVM knows). */
    public static CpuInfo current() {
        String text = "";
        try {
            Path p = Path.of("/proc/cpuinfo");
            if (Files.isReadable(p)) {
                text = Files.readString(p, StandardCharsets.UTF_8);
            }
        } catch (IOException | RuntimeException e) {
            text = "";
        }
        return parse(text, System.getProperty("os.arch", "unknown"), FloatVector.SPECIES_PREFERRED.vectorBitSize());
    }

    /**
     * The first processor's entry of a {@code /proc/cpuinfo} text; {@code arch} names the model where the text has
     * none (another OS, or an ARM kernel that prints no model name).
     */
    static CpuInfo parse(String cpuinfo, String arch, int vectorBits) {
        String model = null;
        int family = -1;
        int number = -1;
        Set<String> flags = new LinkedHashSet<>();
        for (String line : cpuinfo.split("\n", -1)) {
            if (line.isBlank()) {
                if (model != null || !flags.isEmpty()) {
                    break; // the first processor's block is enough
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "model name" -> model = value;
                case "cpu family" -> family = parseInt(value);
                case "model" -> number = parseInt(value);
                case "flags", "features" -> flags.addAll(List.of(value.toLowerCase(Locale.ROOT).split("\\s+")));
                default -> { }
            }
        }
        List<String> features = new ArrayList<>();
        for (String f : FEATURES) {
            if (flags.contains(f)) {
                features.add(f);
            }
        }
        return new CpuInfo(model == null || model.isEmpty() ? arch : model, family, number, features, vectorBits);
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** One line, e.g. {@code AMD EPYC (family 26 model 2; avx2 avx512f avx512bw avx512_vnni; 512-bit vectors)}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (family >= 0) {
            parts.add("family " + family + (modelNumber >= 0 ? " model " + modelNumber : ""));
        }
        if (!features.isEmpty()) {
            parts.add(String.join(" ", features));
        }
        parts.add(vectorBits + "-bit vectors");
        return model + " (" + String.join("; ", parts) + ")";
    }
}
