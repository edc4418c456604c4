//! Variable-time verification arithmetic for the GOST curves on lean `[u64; N]` field elements
//! (no parameters carried with each value). A prime `p = 2^(64·N) − c` with a small `c`
//! (pseudo-Mersenne: TC26 256-A/B `2^256 − 617`, 512-A/C `2^512 − 569`) is reduced by folding
//! the high half with `c`; any other odd prime (512-B, 256-C/D, the test curves) in Montgomery form.
//! Used only for `u1·G + u2·Q` on PUBLIC data (signature verification); signing stays on the
//! constant-time code in `gost.rs`.

/// Up to 8 words (512 bits): a double-width product plus one carry word.
const MAX2: usize = 17;

type W<const N: usize> = [u64; N];

/// The field `GF(p)`: `p = 2^(64N) − c` reduced with `c`, any other odd `p` in Montgomery form.
#[derive(Clone, Copy)]
pub(crate) struct Field<const N: usize> {
    p: W<N>,
    /// `2^(64N) − p` when that is below `2^32` (pseudo-Mersenne), else 0.
    c: u64,
    /// Montgomery constants when `c == 0`.
    mont: Option<Mont<N>>,
}

#[derive(Clone, Copy)]
struct Mont<const N: usize> {
    /// `−p⁻¹ mod 2^64`.
    n0: u64,
    /// `R mod p`, `R = 2^(64N)` (the Montgomery form of 1).
    r: W<N>,
    /// `R² mod p`.
    r2: W<N>,
}

fn from_be<const N: usize>(be: &[u8]) -> Option<W<N>> {
    if be.len() > 8 * N {
        return None;
    }
    let mut padded = [0u8; 64];
    let off = 8 * N - be.len();
    padded[off..8 * N].copy_from_slice(be);
    let mut out = [0u64; N];
    for (i, w) in out.iter_mut().enumerate() {
        let end = 8 * N - 8 * i;
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&padded[end - 8..end]);
        *w = u64::from_be_bytes(chunk);
    }
    Some(out)
}

fn to_be<const N: usize>(v: &W<N>) -> Vec<u8> {
    let mut out = vec![0u8; 8 * N];
    for (i, w) in v.iter().enumerate() {
        let end = 8 * N - 8 * i;
        out[end - 8..end].copy_from_slice(&w.to_be_bytes());
    }
    out
}

fn geq<const N: usize>(a: &W<N>, b: &W<N>) -> bool {
    for i in (0..N).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

fn is_zero<const N: usize>(a: &W<N>) -> bool {
    a.iter().all(|w| *w == 0)
}

impl<const N: usize> Field<N> {
    /// `p` big-endian, odd, its top word non-zero; `None` otherwise.
    pub(crate) fn new(p_be: &[u8]) -> Option<Self> {
        let p = from_be::<N>(p_be)?;
        if p[0] & 1 == 0 || p[N - 1] == 0 {
            return None;
        }
        let c = p[0].wrapping_neg();
        if p[1..].iter().all(|w| *w == u64::MAX) && c < (1 << 32) {
            return Some(Self { p, c, mont: None });
        }
        let mut f = Self {
            p,
            c: 0,
            mont: None,
        };
        let mut inv = 1u64;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(p[0].wrapping_mul(inv)));
        }
        // R mod p and R² mod p by doubling 1 (plain additions mod p).
        let mut x = [0u64; N];
        x[0] = 1;
        for _ in 0..64 * N {
            x = f.add(&x, &x);
        }
        let r = x;
        for _ in 0..64 * N {
            x = f.add(&x, &x);
        }
        f.mont = Some(Mont {
            n0: inv.wrapping_neg(),
            r,
            r2: x,
        });
        Some(f)
    }

    /// The field's 1 (in the internal representation).
    fn one(&self) -> W<N> {
        match &self.mont {
            Some(m) => m.r,
            None => {
                let mut one = [0u64; N];
                one[0] = 1;
                one
            }
        }
    }

    /// A canonical big-endian integer into the internal representation.
    fn elem(&self, be: &[u8]) -> Option<W<N>> {
        let v = from_be::<N>(be)?;
        if geq(&v, &self.p) {
            return None;
        }
        Some(match &self.mont {
            Some(m) => self.mul(&v, &m.r2),
            None => v,
        })
    }

    /// The internal representation back to the integer.
    fn out(&self, v: &W<N>) -> W<N> {
        match &self.mont {
            Some(_) => {
                let mut one = [0u64; N];
                one[0] = 1;
                self.mul(v, &one)
            }
            None => *v,
        }
    }

    fn sub_p(&self, r: &mut W<N>) {
        let mut borrow = 0u64;
        for (w, p) in r.iter_mut().zip(&self.p) {
            let (d1, b1) = w.overflowing_sub(*p);
            let (d2, b2) = d1.overflowing_sub(borrow);
            *w = d2;
            borrow = u64::from(b1) + u64::from(b2);
        }
    }

    fn add_p(&self, r: &mut W<N>) {
        let mut carry = 0u64;
        for (w, p) in r.iter_mut().zip(&self.p) {
            let (s1, c1) = w.overflowing_add(*p);
            let (s2, c2) = s1.overflowing_add(carry);
            *w = s2;
            carry = u64::from(c1) + u64::from(c2);
        }
    }

    fn add(&self, a: &W<N>, b: &W<N>) -> W<N> {
        let mut r = [0u64; N];
        let mut carry = 0u64;
        for i in 0..N {
            let (s1, c1) = a[i].overflowing_add(b[i]);
            let (s2, c2) = s1.overflowing_add(carry);
            r[i] = s2;
            carry = u64::from(c1) + u64::from(c2);
        }
        if carry != 0 || geq(&r, &self.p) {
            self.sub_p(&mut r); // modulo 2^(64N): the true a + b − p is below p
        }
        r
    }

    fn add_small(&self, r: &mut W<N>, v: u64) -> u64 {
        let mut carry = v;
        for w in r.iter_mut() {
            if carry == 0 {
                break;
            }
            let (s, c) = w.overflowing_add(carry);
            *w = s;
            carry = u64::from(c);
        }
        carry
    }

    fn sub(&self, a: &W<N>, b: &W<N>) -> W<N> {
        let mut r = [0u64; N];
        let mut borrow = 0u64;
        for i in 0..N {
            let (d1, b1) = a[i].overflowing_sub(b[i]);
            let (d2, b2) = d1.overflowing_sub(borrow);
            r[i] = d2;
            borrow = u64::from(b1) + u64::from(b2);
        }
        if borrow != 0 {
            self.add_p(&mut r); // modulo 2^(64N): a − b + p
        }
        r
    }

    fn mul(&self, a: &W<N>, b: &W<N>) -> W<N> {
        let mut t = [0u64; MAX2];
        for i in 0..N {
            let mut carry = 0u128;
            let ai = u128::from(a[i]);
            for j in 0..N {
                let v = u128::from(t[i + j]) + ai * u128::from(b[j]) + carry;
                t[i + j] = v as u64;
                carry = v >> 64;
            }
            t[i + N] = carry as u64;
        }
        self.reduce(&t)
    }

    fn sqr(&self, a: &W<N>) -> W<N> {
        // Off-diagonal products once, doubled, then the squares.
        let mut t = [0u64; MAX2];
        for i in 0..N {
            let mut carry = 0u128;
            let ai = u128::from(a[i]);
            for j in i + 1..N {
                let v = u128::from(t[i + j]) + ai * u128::from(a[j]) + carry;
                t[i + j] = v as u64;
                carry = v >> 64;
            }
            t[i + N] = carry as u64;
        }
        let mut top = 0u64;
        for w in t.iter_mut().take(2 * N) {
            let next = *w >> 63;
            *w = (*w << 1) | top;
            top = next;
        }
        let mut carry = 0u128;
        for i in 0..N {
            let sq = u128::from(a[i]) * u128::from(a[i]);
            let v = u128::from(t[2 * i]) + (sq & u128::from(u64::MAX)) + carry;
            t[2 * i] = v as u64;
            let v = u128::from(t[2 * i + 1]) + (sq >> 64) + (v >> 64);
            t[2 * i + 1] = v as u64;
            carry = v >> 64;
        }
        self.reduce(&t)
    }

    fn reduce(&self, t: &[u64; MAX2]) -> W<N> {
        match &self.mont {
            Some(m) => self.redc(t, m.n0),
            None => self.reduce_pm(t),
        }
    }

    /// Montgomery reduction `t·R⁻¹ mod p` for `t < p·R`.
    fn redc(&self, t: &[u64; MAX2], n0: u64) -> W<N> {
        let mut t = *t;
        for i in 0..N {
            let m = u128::from(t[i].wrapping_mul(n0));
            let mut carry = 0u128;
            for j in 0..N {
                let v = u128::from(t[i + j]) + m * u128::from(self.p[j]) + carry;
                t[i + j] = v as u64;
                carry = v >> 64;
            }
            let mut k = i + N;
            while carry != 0 && k < MAX2 {
                let v = u128::from(t[k]) + carry;
                t[k] = v as u64;
                carry = v >> 64;
                k += 1;
            }
        }
        let mut r = [0u64; N];
        r.copy_from_slice(&t[N..2 * N]);
        if t[2 * N] != 0 || geq(&r, &self.p) {
            self.sub_p(&mut r);
        }
        r
    }

    /// `t mod p` for `t < 2^(128N)`, `p = 2^(64N) − c`: `lo + hi·c`, then the small overflow
    /// folded again.
    fn reduce_pm(&self, t: &[u64; MAX2]) -> W<N> {
        let c = u128::from(self.c);
        let mut r = [0u64; N];
        let mut carry = 0u128;
        for i in 0..N {
            let v = u128::from(t[i]) + u128::from(t[i + N]) * c + carry;
            r[i] = v as u64;
            carry = v >> 64;
        }
        // carry < c + 1 < 2^33: carry·c < 2^65 folded in; at most one more wrap.
        let extra = carry * c;
        let mut add = extra;
        for w in r.iter_mut() {
            if add == 0 {
                break;
            }
            let v = u128::from(*w) + add;
            *w = v as u64;
            add = v >> 64;
        }
        if add != 0 {
            self.add_small(&mut r, self.c);
        }
        if geq(&r, &self.p) {
            self.add_small(&mut r, self.c);
        }
        r
    }
}

/// A Jacobian point; `z = 0` is the identity.
#[derive(Clone, Copy)]
struct Jac<const N: usize> {
    x: W<N>,
    y: W<N>,
    z: W<N>,
}

/// An affine point (never the identity).
#[derive(Clone, Copy)]
struct Aff<const N: usize> {
    x: W<N>,
    y: W<N>,
}

struct Ops<'a, const N: usize> {
    f: &'a Field<N>,
    a: W<N>,
    a_minus3: bool,
}

impl<const N: usize> Ops<'_, N> {
    fn identity(&self) -> Jac<N> {
        let one = self.f.one();
        Jac {
            x: one,
            y: one,
            z: [0; N],
        }
    }

    /// dbl-2001-b (`a = −3`) or dbl-2007-bl.
    fn double(&self, p: &Jac<N>) -> Jac<N> {
        let f = self.f;
        if is_zero(&p.z) {
            return *p;
        }
        let xx = f.sqr(&p.x);
        let yy = f.sqr(&p.y);
        let yyyy = f.sqr(&yy);
        let zz = f.sqr(&p.z);
        let t = f.add(&p.x, &yy);
        let s = f.sub(&f.sub(&f.sqr(&t), &xx), &yyyy);
        let s = f.add(&s, &s);
        let m = if self.a_minus3 {
            let m = f.mul(&f.sub(&p.x, &zz), &f.add(&p.x, &zz));
            f.add(&f.add(&m, &m), &m)
        } else {
            let m = f.add(&f.add(&xx, &xx), &xx);
            f.add(&m, &f.mul(&self.a, &f.sqr(&zz)))
        };
        let x3 = f.sub(&f.sub(&f.sqr(&m), &s), &s);
        let y8 = f.add(&yyyy, &yyyy);
        let y8 = f.add(&y8, &y8);
        let y8 = f.add(&y8, &y8);
        let y3 = f.sub(&f.mul(&m, &f.sub(&s, &x3)), &y8);
        let z3 = f.sub(&f.sub(&f.sqr(&f.add(&p.y, &p.z)), &yy), &zz);
        Jac {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// add-2007-bl, special cases handled.
    fn add(&self, p1: &Jac<N>, p2: &Jac<N>) -> Jac<N> {
        let f = self.f;
        if is_zero(&p1.z) {
            return *p2;
        }
        if is_zero(&p2.z) {
            return *p1;
        }
        let z1z1 = f.sqr(&p1.z);
        let z2z2 = f.sqr(&p2.z);
        let u1 = f.mul(&p1.x, &z2z2);
        let u2 = f.mul(&p2.x, &z1z1);
        let s1 = f.mul(&f.mul(&p1.y, &p2.z), &z2z2);
        let s2 = f.mul(&f.mul(&p2.y, &p1.z), &z1z1);
        let h = f.sub(&u2, &u1);
        let r = f.sub(&s2, &s1);
        if is_zero(&h) {
            return if is_zero(&r) {
                self.double(p1)
            } else {
                self.identity()
            };
        }
        let i = f.sqr(&f.add(&h, &h));
        let j = f.mul(&h, &i);
        let r = f.add(&r, &r);
        let v = f.mul(&u1, &i);
        let x3 = f.sub(&f.sub(&f.sub(&f.sqr(&r), &j), &v), &v);
        let sj = f.mul(&s1, &j);
        let y3 = f.sub(&f.sub(&f.mul(&r, &f.sub(&v, &x3)), &sj), &sj);
        let z3 = f.mul(
            &f.sub(&f.sub(&f.sqr(&f.add(&p1.z, &p2.z)), &z1z1), &z2z2),
            &h,
        );
        Jac {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// madd-2007-bl: `p1 + p2` with `p2` affine, special cases handled.
    fn add_affine(&self, p1: &Jac<N>, p2: &Aff<N>) -> Jac<N> {
        let f = self.f;
        let one = f.one();
        if is_zero(&p1.z) {
            return Jac {
                x: p2.x,
                y: p2.y,
                z: one,
            };
        }
        let z1z1 = f.sqr(&p1.z);
        let u2 = f.mul(&p2.x, &z1z1);
        let s2 = f.mul(&f.mul(&p2.y, &p1.z), &z1z1);
        let h = f.sub(&u2, &p1.x);
        let r = f.sub(&s2, &p1.y);
        if is_zero(&h) {
            return if is_zero(&r) {
                self.double(p1)
            } else {
                self.identity()
            };
        }
        let hh = f.sqr(&h);
        let i = f.add(&hh, &hh);
        let i = f.add(&i, &i);
        let j = f.mul(&h, &i);
        let r = f.add(&r, &r);
        let v = f.mul(&p1.x, &i);
        let x3 = f.sub(&f.sub(&f.sub(&f.sqr(&r), &j), &v), &v);
        let yj = f.mul(&p1.y, &j);
        let y3 = f.sub(&f.sub(&f.mul(&r, &f.sub(&v, &x3)), &yj), &yj);
        let z3 = f.sub(&f.sub(&f.sqr(&f.add(&p1.z, &h)), &z1z1), &hh);
        Jac {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn neg_jac(&self, p: &Jac<N>) -> Jac<N> {
        Jac {
            x: p.x,
            y: self.f.sub(&[0; N], &p.y),
            z: p.z,
        }
    }

    fn neg_aff(&self, p: &Aff<N>) -> Aff<N> {
        Aff {
            x: p.x,
            y: self.f.sub(&[0; N], &p.y),
        }
    }

    /// Odd multiples `1·p, 3·p, …, (2·count − 1)·p` (Jacobian).
    fn odd_multiples(&self, p: &Jac<N>, count: usize) -> Vec<Jac<N>> {
        let two_p = self.double(p);
        let mut out = Vec::with_capacity(count);
        out.push(*p);
        for i in 1..count {
            let next = self.add(&out[i - 1], &two_p);
            out.push(next);
        }
        out
    }
}

/// Width-`w` NAF of a big-endian scalar, least significant digit first.
fn wnaf(k_be: &[u8], w: u32) -> Vec<i32> {
    // Little-endian bits of k with room for the carries.
    let mut bits: Vec<u8> = Vec::with_capacity(k_be.len() * 8 + 2);
    for byte in k_be.iter().rev() {
        for b in 0..8 {
            bits.push((byte >> b) & 1);
        }
    }
    bits.extend([0, 0]);
    let mut out = vec![0i32; bits.len()];
    let window = 1i32 << w;
    let mut i = 0;
    while i < bits.len() {
        if bits[i] == 0 {
            i += 1;
            continue;
        }
        let mut v = 0i32;
        for b in 0..w as usize {
            if i + b < bits.len() {
                v |= i32::from(bits[i + b]) << b;
            }
        }
        if v >= window / 2 {
            v -= window;
        }
        out[i] = v;
        // Subtract v from the remaining bits: clear the window, propagate the borrow/carry.
        for b in 0..w as usize {
            if i + b < bits.len() {
                bits[i + b] = 0;
            }
        }
        if v < 0 {
            // k − v = k + |v|: the window's bits are 0 now and the carry goes to bit i + w.
            let mut j = i + w as usize;
            while j < bits.len() {
                if bits[j] == 0 {
                    bits[j] = 1;
                    break;
                }
                bits[j] = 0;
                j += 1;
            }
        }
        i += w as usize;
    }
    while out.last() == Some(&0) {
        out.pop();
    }
    out
}

/// Width of the wNAF for the fixed base (its odd multiples are precomputed once, affine).
pub(crate) const G_WINDOW: u32 = 7;
const Q_WINDOW: u32 = 5;

/// Odd multiples of the generator (affine, `2^(G_WINDOW−2)` of them), computed once per curve.
pub(crate) struct GTable<const N: usize> {
    points: Vec<Aff<N>>,
}

/// The curve data the fast path needs, big-endian.
pub(crate) struct CurveBytes<'a> {
    pub(crate) p: &'a [u8],
    pub(crate) a: &'a [u8],
    pub(crate) a_minus3: bool,
    pub(crate) gx: &'a [u8],
    pub(crate) gy: &'a [u8],
}

/// Affine coordinates from Jacobian ones through one field inversion each (Fermat, vartime).
fn invert<const N: usize>(f: &Field<N>, a: &W<N>) -> W<N> {
    // a^(p − 2); p − 2 = 2^(64N) − c − 2.
    let mut e = f.p;
    let mut borrow = 2u64;
    for w in e.iter_mut() {
        let (d, b) = w.overflowing_sub(borrow);
        *w = d;
        borrow = u64::from(b);
        if borrow == 0 {
            break;
        }
    }
    let mut r = f.one();
    for i in (0..N).rev() {
        for bit in (0..64).rev() {
            r = f.sqr(&r);
            if (e[i] >> bit) & 1 == 1 {
                r = f.mul(&r, a);
            }
        }
    }
    r
}

impl<const N: usize> GTable<N> {
    /// `None` when the prime is not pseudo-Mersenne or the data is malformed.
    pub(crate) fn new(c: &CurveBytes<'_>) -> Option<Self> {
        let f = Field::<N>::new(c.p)?;
        let ops = Ops {
            f: &f,
            a: f.elem(c.a)?,
            a_minus3: c.a_minus3,
        };
        let one = f.one();
        let g = Jac {
            x: f.elem(c.gx)?,
            y: f.elem(c.gy)?,
            z: one,
        };
        let jac = ops.odd_multiples(&g, 1 << (G_WINDOW - 2));
        // Batch inversion (Montgomery's trick): one inversion for all Z.
        let mut prefix = Vec::with_capacity(jac.len());
        let mut acc = one;
        for p in &jac {
            if is_zero(&p.z) {
                return None;
            }
            acc = f.mul(&acc, &p.z);
            prefix.push(acc);
        }
        let mut inv = invert(&f, &acc);
        let mut points = vec![
            Aff {
                x: [0; N],
                y: [0; N]
            };
            jac.len()
        ];
        for i in (0..jac.len()).rev() {
            let zinv = if i == 0 {
                inv
            } else {
                f.mul(&inv, &prefix[i - 1])
            };
            inv = f.mul(&inv, &jac[i].z);
            let zz = f.sqr(&zinv);
            points[i] = Aff {
                x: f.mul(&jac[i].x, &zz),
                y: f.mul(&jac[i].y, &f.mul(&zz, &zinv)),
            };
        }
        Some(Self { points })
    }
}

/// `u1·G + u2·Q` for public data: interleaved wNAF (width 7 on the precomputed affine `G`
/// multiples, width 5 on `Q`), shared doublings. Returns `(X, Z²)` big-endian so that the caller
/// computes the affine x as `X / Z²`; `None` for the identity or malformed input.
pub(crate) fn mul2<const N: usize>(
    c: &CurveBytes<'_>,
    table: &GTable<N>,
    u1_be: &[u8],
    qx: &[u8],
    qy: &[u8],
    u2_be: &[u8],
) -> Option<(Vec<u8>, Vec<u8>)> {
    let f = Field::<N>::new(c.p)?;
    let ops = Ops {
        f: &f,
        a: f.elem(c.a)?,
        a_minus3: c.a_minus3,
    };
    let one = f.one();
    let q = Jac {
        x: f.elem(qx)?,
        y: f.elem(qy)?,
        z: one,
    };
    let tq = ops.odd_multiples(&q, 1 << (Q_WINDOW - 2));
    let n1 = wnaf(u1_be, G_WINDOW);
    let n2 = wnaf(u2_be, Q_WINDOW);
    let len = n1.len().max(n2.len());
    let mut acc = ops.identity();
    for i in (0..len).rev() {
        acc = ops.double(&acc);
        if let Some(&d) = n1.get(i).filter(|d| **d != 0) {
            let idx = (d.unsigned_abs() as usize) / 2;
            let pt = table.points.get(idx)?;
            acc = if d > 0 {
                ops.add_affine(&acc, pt)
            } else {
                ops.add_affine(&acc, &ops.neg_aff(pt))
            };
        }
        if let Some(&d) = n2.get(i).filter(|d| **d != 0) {
            let idx = (d.unsigned_abs() as usize) / 2;
            let pt = tq.get(idx)?;
            acc = if d > 0 {
                ops.add(&acc, pt)
            } else {
                ops.add(&acc, &ops.neg_jac(pt))
            };
        }
    }
    if is_zero(&acc.z) {
        return None;
    }
    Some((to_be(&f.out(&acc.x)), to_be(&f.out(&f.sqr(&acc.z)))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wnaf_recomposes() {
        for k in [1u64, 2, 3, 0x7f, 0xff, 0x1234_5678_9abc_def0, u64::MAX] {
            for w in [2, 5, 7] {
                let digits = wnaf(&k.to_be_bytes(), w);
                let mut v: i128 = 0;
                for (i, d) in digits.iter().enumerate() {
                    v += i128::from(*d) << i;
                    assert!(*d == 0 || d % 2 != 0);
                    assert!(d.unsigned_abs() < 1 << (w - 1));
                }
                assert_eq!(v, i128::from(k), "k={k:#x} w={w}");
            }
        }
    }

    #[test]
    fn field_matches_u128_arithmetic() {
        // 2^64 − 59 (pseudo-Mersenne) and 2^63 − 25 (Montgomery), one word each.
        for p in [u64::MAX - 58, (1u64 << 63) - 25] {
            let f = Field::<1>::new(&p.to_be_bytes()).expect("odd prime");
            assert_eq!(f.mont.is_some(), p < 1 << 63);
            let big = u128::from(p);
            let vals = [0u64, 1, 2, p - 1, p - 2, 0x1234_5678_9abc_def0 % p, 1 << 62];
            let el = |v: u64| f.elem(&v.to_be_bytes()).expect("in range");
            for &a in &vals {
                for &b in &vals {
                    let (ua, ub) = (u128::from(a), u128::from(b));
                    assert_eq!(f.out(&f.mul(&el(a), &el(b))), [(ua * ub % big) as u64]);
                    assert_eq!(f.out(&f.sqr(&el(a))), [(ua * ua % big) as u64]);
                    assert_eq!(f.out(&f.add(&el(a), &el(b))), [((ua + ub) % big) as u64]);
                    assert_eq!(
                        f.out(&f.sub(&el(a), &el(b))),
                        [((ua + big - ub) % big) as u64]
                    );
                }
                if a != 0 {
                    let inv = invert(&f, &el(a));
                    assert_eq!(f.out(&f.mul(&inv, &el(a))), [1]);
                }
            }
        }
    }
}
