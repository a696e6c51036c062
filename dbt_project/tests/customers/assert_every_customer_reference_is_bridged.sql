{#- Every customer number, account and organization that a source record names maps to
    a customer: the ERP numbers of the master and of invoice lines, payments and GL
    entries, every CRM account, every service-desk organization. Rows returned are
    source ids missing from mart.bridge_customer_source. -#}
with

source_ids as (

    select 'erp' as system, customer_no as source_id from {{ ref('stg_erp__customers') }}
    union
    select 'erp', customer_no from {{ ref('stg_erp__invoice_lines') }}
    union
    select 'erp', customer_no from {{ ref('stg_erp__payments') }}
    union
    select 'erp', customer_no from {{ ref('stg_erp__gl_entries') }}
    union
    select 'crm', account_id from {{ ref('stg_crm__accounts') }}
    union
    select 'servicedesk', organization_id from {{ ref('stg_servicedesk__organizations') }}

),

bridge as (

    select * from {{ ref('bridge_customer_source') }}

),

final as (

    select source_ids.system, source_ids.source_id
    from source_ids
    left join bridge
        on source_ids.system = bridge.system
        and trim(source_ids.source_id) = bridge.source_id
    where nullif(trim(source_ids.source_id), '') is not null
        and bridge.source_id is null

)

select * from final
