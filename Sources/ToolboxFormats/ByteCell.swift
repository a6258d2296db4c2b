/// A growable byte buffer for building one cell or row of output, reused
/// across rows. An `[UInt8]` stored in a class pays a uniqueness check and
/// often a call for every append; here an append is a capacity compare and
/// a store (ps -ef's rows were 8.8k instructions each, most of them in
/// Array's append paths).
public final class ByteCell {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var used = 0

    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }
    deinit { base.deallocate() }

    @inlinable public var count: Int { used }
    @inlinable public var isEmpty: Bool { used == 0 }
    @inlinable public var first: UInt8? { used > 0 ? base[0] : nil }
    /// The bytes so far; valid until the next append or removal.
    @inlinable public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: used) }
    @inlinable public subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < used, "ByteCell index out of range")
        return base[i]
    }

    /// Empties the buffer, keeping its storage.
    @inlinable public func removeAll() { used = 0 }
    /// Keeps the first `n` bytes.
    @inlinable public func truncate(to n: Int) {
        precondition(n >= 0 && n <= used, "ByteCell truncation out of range")
        used = n
    }

    /// Moves the bytes to storage for at least `need`, and returns the old
    /// storage for the caller to free once it has copied what it appends
    /// (the source may be this cell's own bytes).
    @usableFromInline func grow(toHold need: Int) -> UnsafeMutablePointer<UInt8> {
        var c = capacity
        while c < need { c = c > Int.max / 2 ? need : c * 2 }
        let n = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        n.initialize(from: base, count: used)
        let old = base
        base = n; capacity = c
        return old
    }

    @inlinable public func append(_ b: UInt8) {
        if used == capacity { grow(toHold: used + 1).deallocate() }
        base[used] = b
        used += 1
    }

    @inlinable public func append(contentsOf p: UnsafeBufferPointer<UInt8>) {
        let n = p.count
        guard n > 0, let src = p.baseAddress else { return }
        let old = n > capacity - used ? grow(toHold: used + n) : nil
        (base + used).initialize(from: src, count: n)
        used += n
        old?.deallocate()
    }

    @inlinable public func append<C: Collection>(contentsOf c: C) where C.Element == UInt8 {
        if c.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) != nil { return }
        for b in c { append(b) }
    }

    /// `n` copies of `b`.
    @inlinable public func append(repeating b: UInt8, count n: Int) {
        guard n > 0 else { return }
        if n > capacity - used { grow(toHold: used + n).deallocate() }
        (base + used).initialize(repeating: b, count: n)
        used += n
    }
}
