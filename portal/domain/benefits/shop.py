"""The social shop: products, community-work hours, purchases and the ledger."""
SHOP_RECORD = "shop.record"
SHOP_MANAGE = "shop.manage"
