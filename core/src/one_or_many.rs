//! A list that nearly always holds one item: that item inline (no allocation), a vector only
//! from the second on. Calls keep such lists for as long as they live (a transaction's answering
//! devices, an SDP section's codec mappings), so the common case costs no allocation.

/// None, one item inline, or several in a vector. Reads as a slice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum OneOrMany<T> {
    /// Empty.
    #[default]
    None,
    /// One item.
    One(T),
    /// Two or more.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// Adds an item at the end.
    pub fn push(&mut self, item: T) {
        *self = match std::mem::take(self) {
            OneOrMany::None => OneOrMany::One(item),
            OneOrMany::One(first) => OneOrMany::Many(vec![first, item]),
            OneOrMany::Many(mut all) => {
                all.push(item);
                OneOrMany::Many(all)
            }
        };
    }

    /// Gives back the vector's spare room (for a list that is complete and will be kept).
    pub fn shrink_to_fit(&mut self) {
        if let OneOrMany::Many(all) = self {
            all.shrink_to_fit();
        }
    }
}

impl<T> std::ops::Deref for OneOrMany<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            OneOrMany::None => &[],
            OneOrMany::One(item) => std::slice::from_ref(item),
            OneOrMany::Many(all) => all,
        }
    }
}

impl<T> std::ops::DerefMut for OneOrMany<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            OneOrMany::None => &mut [],
            OneOrMany::One(item) => std::slice::from_mut(item),
            OneOrMany::Many(all) => all,
        }
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::OneOrMany;

    #[test]
    fn holds_one_inline_then_spills_in_order() {
        let mut l = OneOrMany::default();
        assert!(l.is_empty());
        l.push(1);
        assert!(matches!(l, OneOrMany::One(1)));
        for n in 2..=5 {
            l.push(n);
        }
        assert!(matches!(l, OneOrMany::Many(_)));
        assert_eq!(*l, [1, 2, 3, 4, 5]);
        l[0] = 9;
        assert_eq!((&l).into_iter().copied().collect::<Vec<_>>(), [9, 2, 3, 4, 5]);
    }
}
