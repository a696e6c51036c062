with

source as (

    select * from {{ source('config', 'cost_pool_map') }}

),

final as (

    select * from source

)

select * from final
