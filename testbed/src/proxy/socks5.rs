//! SOCKS5 (RFC 1928) as clients use it for HTTPS: no authentication, the CONNECT command, and
//! a target given as an IPv4 address, a domain name or an IPv6 address.

use super::Targets;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const VERSION: u8 = 5;
const NO_AUTHENTICATION: u8 = 0;
const NO_ACCEPTABLE_METHOD: u8 = 0xFF;
const CONNECT: u8 = 1;
const IPV4: u8 = 1;
const DOMAIN_NAME: u8 = 3;
const IPV6: u8 = 4;
const SUCCEEDED: u8 = 0;
const CONNECTION_REFUSED: u8 = 5;
const COMMAND_NOT_SUPPORTED: u8 = 7;
const ADDRESS_TYPE_NOT_SUPPORTED: u8 = 8;

/// Serves one client connection until either side closes it.
pub async fn serve(targets: Targets, mut client: TcpStream) {
    // A client that breaks off mid-handshake has nothing to be told.
    let _ = relay(&targets, &mut client).await;
}

async fn relay(targets: &Targets, client: &mut TcpStream) -> io::Result<()> {
    let [version, count] = read::<2>(client).await?;
    let mut methods = vec![0; usize::from(count)];
    client.read_exact(&mut methods).await?;
    if version != VERSION {
        return Ok(());
    }
    if !methods.contains(&NO_AUTHENTICATION) {
        return client.write_all(&[VERSION, NO_ACCEPTABLE_METHOD]).await;
    }
    client.write_all(&[VERSION, NO_AUTHENTICATION]).await?;

    let [_, command, _, address_type] = read::<4>(client).await?;
    let host = match address_type {
        IPV4 => Ipv4Addr::from(read::<4>(client).await?).to_string(),
        DOMAIN_NAME => {
            let [length] = read::<1>(client).await?;
            let mut name = vec![0; usize::from(length)];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        IPV6 => format!("[{}]", Ipv6Addr::from(read::<16>(client).await?)),
        _ => return reply(client, ADDRESS_TYPE_NOT_SUPPORTED).await,
    };
    let port = u16::from_be_bytes(read::<2>(client).await?);
    if command != CONNECT {
        return reply(client, COMMAND_NOT_SUPPORTED).await;
    }
    targets.lock().expect("targets").push(format!("{host}:{port}"));
    let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", port)).await else {
        return reply(client, CONNECTION_REFUSED).await;
    };
    reply(client, SUCCEEDED).await?;
    tokio::io::copy_bidirectional(client, &mut upstream).await.map(drop)
}

async fn read<const N: usize>(stream: &mut TcpStream) -> io::Result<[u8; N]> {
    let mut bytes = [0; N];
    stream.read_exact(&mut bytes).await?;
    Ok(bytes)
}

/// A reply whose bound address is left as 0.0.0.0:0: clients of CONNECT do not use it.
async fn reply(client: &mut TcpStream, code: u8) -> io::Result<()> {
    client.write_all(&[VERSION, code, 0, IPV4, 0, 0, 0, 0, 0, 0]).await
}
