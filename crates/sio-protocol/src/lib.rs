//! Wire types shared by the client and the gateway, OpenAPI document.
