/// e^x for eight floats at once, for the softmaxes and GELU of single-precision training, which call
/// exp about six million times a step; glibc's scalar expf was the largest cost outside the GEMMs.
///
/// Cephes' expf (Moshier 1989): x = n·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 split in two parts,
/// Cody & Waite 1980), a degree-7 polynomial for e^r, and 2^n put into the exponent bits. Relative
/// error within 2 ulp on [−87.3, 88] (tested against the library's exp); inputs are clamped to
/// that range, so e^x never overflows (2^n stays a normal float) and tiny results bottom out at the
/// smallest normal float (about 1.2e-38) instead of going subnormal.
enum VectorExp {
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let clamped = maximum(minimum(x, SIMD8(repeating: 88)), SIMD8(repeating: -87.33654))
        // n = round(x / ln 2) by the 1.5·2^23 trick: the sum's low mantissa bits are n itself.
        let shifted = clamped * 1.44269504088896341 + 12_582_912
        let n = shifted - 12_582_912
        let r = clamped - n * 0.693359375 - n * -2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let er = p * (r * r) + r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return er * unsafeBitCast(exponent, to: SIMD8<Float>.self)
    }

    /// Lane-wise min and max by compare and blend (the standard library's pointwise versions
    /// handle NaN lane by lane and do not vectorise).
    @inline(__always)
    static func minimum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }

    @inline(__always)
    static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }

    /// The `count` (< 8) values at `pointer` in the first lanes, `fill` in the rest.
    @inline(__always)
    static func loadPartial(_ pointer: UnsafePointer<Float>, count: Int, fill: Float) -> SIMD8<Float> {
        var lanes = SIMD8<Float>(repeating: fill)
        for i in 0..<count { lanes[i] = pointer[i] }
        return lanes
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }
}
