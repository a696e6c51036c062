{#- The customers whose rows the conformed-customer marts rebuild in every month: those
    whose set of source ids changed since the previous build (a re-link, a merge, a new
    source id; a customer merged away too, whose rows then go), and the unassigned
    member, which holds every source id the bridge does not know. -#}
with

bridge as (

    select system, source_id, customer_key from {{ ref('bridge_customer_source') }}

),

previous_bridge as (

    select system, source_id, customer_key from {{ source('build_state', 'build_bridge') }}

),

mapped_now as (

    select * from bridge
    except
    select * from previous_bridge

),

mapped_before as (

    select * from previous_bridge
    except
    select * from bridge

),

changed as (

    select * from mapped_now
    union
    select * from mapped_before

),

final as (

    select distinct customer_key from changed
    union
    select {{ unassigned_customer_key() }}

)

select * from final
