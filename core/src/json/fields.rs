//! One top-level field of a document as JSON text, without writing the rest: what a binding
//! needs to hand a caller the field it reads from an answer kept native (a 20-line order is
//! ≈ 14 KB of JSON; its id is a few bytes).

use serde::Serialize;
use serde::ser::{self, Impossible, SerializeStruct, Serializer};

use crate::error::{Error, Result};

/// The JSON text of `value`'s field `key` (a struct serialized with named fields); `None` when
/// it has no such field.
pub fn field_json<T: Serialize>(value: &T, key: &str) -> Result<Option<String>> {
    let mut picker = Picker {
        wanted: Some(key),
        found: None,
        names: Vec::new(),
    };
    value.serialize(&mut picker).map_err(Picked::into_error)?;
    Ok(picker.found)
}

/// The names of `value`'s fields, in the order it writes them.
pub fn field_names<T: Serialize>(value: &T) -> Result<Vec<&'static str>> {
    let mut picker = Picker {
        wanted: None,
        found: None,
        names: Vec::new(),
    };
    value.serialize(&mut picker).map_err(Picked::into_error)?;
    Ok(picker.names)
}

/// Walks a struct's fields: writes the one wanted, or lists them all.
struct Picker<'k> {
    wanted: Option<&'k str>,
    found: Option<String>,
    names: Vec<&'static str>,
}

/// Why a field could not be picked: the value is not a struct, or the field failed to write.
#[derive(Debug)]
struct Picked(String);

impl Picked {
    fn into_error(self) -> Error {
        Error::invalid("document", self.0)
    }
}

impl std::fmt::Display for Picked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Picked {}

impl ser::Error for Picked {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Picked(message.to_string())
    }
}

fn not_a_struct<T>() -> std::result::Result<T, Picked> {
    Err(Picked("only a struct's fields can be picked".into()))
}

impl SerializeStruct for &mut Picker<'_> {
    type Ok = ();
    type Error = Picked;

    fn serialize_field<V: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> std::result::Result<(), Picked> {
        match self.wanted {
            None => self.names.push(key),
            Some(wanted) if wanted == key => {
                self.found = Some(serde_json::to_string(value).map_err(ser::Error::custom)?);
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn end(self) -> std::result::Result<(), Picked> {
        Ok(())
    }
}

/// Every shape but a struct is refused (the documents picked from are structs).
macro_rules! refuse {
    ($($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self, $(_: $arg),*) -> std::result::Result<(), Picked> { not_a_struct() })*
    };
}

impl Serializer for &mut Picker<'_> {
    type Ok = ();
    type Error = Picked;
    type SerializeSeq = Impossible<(), Picked>;
    type SerializeTuple = Impossible<(), Picked>;
    type SerializeTupleStruct = Impossible<(), Picked>;
    type SerializeTupleVariant = Impossible<(), Picked>;
    type SerializeMap = Impossible<(), Picked>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Picked>;

    refuse! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str); serialize_bytes(&[u8]); serialize_none(); serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> std::result::Result<(), Picked> {
        not_a_struct()
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> std::result::Result<(), Picked> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> std::result::Result<(), Picked> {
        not_a_struct()
    }

    fn serialize_seq(self, _: Option<usize>) -> std::result::Result<Self::SerializeSeq, Picked> {
        not_a_struct()
    }

    fn serialize_tuple(self, _: usize) -> std::result::Result<Self::SerializeTuple, Picked> {
        not_a_struct()
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeTupleStruct, Picked> {
        not_a_struct()
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeTupleVariant, Picked> {
        not_a_struct()
    }

    fn serialize_map(self, _: Option<usize>) -> std::result::Result<Self::SerializeMap, Picked> {
        not_a_struct()
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeStruct, Picked> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeStructVariant, Picked> {
        not_a_struct()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Line {
        sku: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<&'static str>,
        amounts: Vec<u32>,
    }

    #[test]
    fn one_field_is_written_as_the_whole_would_write_it() {
        let line = Line {
            sku: "A",
            note: None,
            amounts: vec![1, 2],
        };
        assert_eq!(field_names(&line).unwrap(), ["sku", "amounts"]);
        assert_eq!(
            field_json(&line, "amounts").unwrap().as_deref(),
            Some("[1,2]")
        );
        assert_eq!(field_json(&line, "sku").unwrap().as_deref(), Some("\"A\""));
        assert_eq!(field_json(&line, "note").unwrap(), None);
        assert!(field_json(&vec![1], "x").is_err(), "not a struct");
    }
}
