//! The tonic codec of the gRPC transport: the request goes out as the
//! protobuf bytes [`super::WireRequest::protobuf`] made (no re-encoding),
//! the answer `M` is decoded with prost as tonic-prost's codec does.

use std::marker::PhantomData;

use bytes::{BufMut as _, Bytes};
use tonic::{
    Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
};

/// Encodes pre-encoded [`Bytes`], decodes an `M`.
pub(crate) struct BytesCodec<M>(PhantomData<fn() -> M>);

impl<M> Default for BytesCodec<M> {
    fn default() -> Self {
        BytesCodec(PhantomData)
    }
}

impl<M: prost::Message + Default + Send + 'static> Codec for BytesCodec<M> {
    type Encode = Bytes;
    type Decode = M;
    type Encoder = BytesEncoder;
    type Decoder = MessageDecoder<M>;

    fn encoder(&mut self) -> Self::Encoder {
        BytesEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        MessageDecoder(PhantomData)
    }
}

/// Copies the bytes into the frame as they are.
pub(crate) struct BytesEncoder;

impl Encoder for BytesEncoder {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.reserve(item.len());
        dst.put_slice(&item);
        Ok(())
    }
}

/// Decodes one prost message; a malformed one is INTERNAL (as tonic-prost).
pub(crate) struct MessageDecoder<M>(PhantomData<fn() -> M>);

impl<M: prost::Message + Default> Decoder for MessageDecoder<M> {
    type Item = M;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<M>, Status> {
        M::decode(src).map(Some).map_err(|e| Status::internal(e.to_string()))
    }
}
